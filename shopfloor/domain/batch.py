"""Writes that go out together: one statement on PostgreSQL, in order elsewhere.

A workflow step ends with several small writes: its audit rows, the ticket's and
the timer's changed columns, the bike's status, the daily rollups. None of them
reads what another writes, so the transaction collects them (:class:`Writes`, held by
:class:`~.shop.Tx`) and sends them before its next read and at commit: on PostgreSQL
as one statement of data-modifying ``WITH`` clauses (one round trip instead of four or
five), on SQLite one after another, in the order they were made. A row inserted for
its id (a ticket, a work session, a bike) goes at once (:meth:`Writes.insert_now`).

Each write is described by its shape (table, kind, columns, rows) and its values;
the statement for a shape, and for a run of shapes on PostgreSQL, is built once
with bound parameters, so SQLAlchemy compiles it once and never again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Insert,
    Table,
    Update,
    bindparam,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


class Kind(Enum):
    INSERT = "insert"
    UPDATE = "update"  # the row with the ``id`` given among the values
    ADD = "add"  # insert, or add the values to the row the conflict columns find


@dataclass(frozen=True)
class Write:
    """One statement's worth: ``rows`` of column values for ``table``."""

    table: Table
    kind: Kind
    rows: list[dict[str, Any]]
    conflict: tuple[str, ...] = ()  # ADD: the unique columns; the others are added up
    ordered: bool = False  # INSERT: rows that must go in one statement, in order

    @property
    def shape(self) -> tuple[Any, ...]:
        return (self.table.name, self.kind, tuple(self.rows[0]), len(self.rows), self.conflict)

    def params(self, i: int) -> dict[str, Any]:
        return {f"w{i}_{r}_{c}": v for r, row in enumerate(self.rows) for c, v in row.items()}


def table_of(model_or_table: Any) -> Table:
    """The table of a model class (or the table itself)."""
    table = getattr(model_or_table, "__table__", model_or_table)
    assert isinstance(table, Table)
    _TABLES.setdefault(table.name, table)
    return table


def add_rows(table: Any, rows: Sequence[dict[str, Any]], conflict: tuple[str, ...]) -> Write:
    """Insert ``rows``, or add their other columns to the rows already there."""
    return Write(table_of(table), Kind.ADD, list(rows), conflict)


@dataclass
class Writes:
    """The writes a transaction has collected and not sent yet."""

    pending: list[Write] = field(default_factory=list)

    def insert(self, table: Any, rows: Iterable[Mapping[str, Any]], *, in_order: bool) -> None:
        """Append ``rows`` (by column name) to ``table``. ``in_order``: they (and any other
        such rows for the table) go in one INSERT, in the order given, for a trigger that
        checks each against the ones before; otherwise each row is a statement of its own."""
        target = table_of(table)
        if in_order:
            self.pending.append(Write(target, Kind.INSERT, [dict(r) for r in rows], ordered=True))
            return
        self.pending.extend(Write(target, Kind.INSERT, [dict(row)]) for row in rows)

    def update(self, table: Any, row_id: int, values: Mapping[str, Any]) -> None:
        """Set ``values`` on the row ``row_id`` of ``table``."""
        self.pending.append(Write(table_of(table), Kind.UPDATE, [{"id": row_id, **values}]))

    def extend(self, writes: Iterable[Write]) -> None:
        self.pending.extend(writes)

    def insert_now(self, conn: Connection, table: Any, values: Mapping[str, Any]) -> int:
        """Insert one row at once and return its id (send the pending writes first)."""
        result = conn.execute(_insert_statement(table_of(table)), dict(values))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def send(self, conn: Connection) -> None:
        """Send what has been collected, if anything."""
        if not self.pending:
            return
        writes, self.pending = _merged(self.pending), []
        dialect = conn.dialect.name
        if len(writes) == 1 or dialect != "postgresql":
            for write in writes:
                conn.execute(_statement(dialect, (write.shape,)), write.params(0))
            return
        # Each clause sees the snapshot the statement started with, not the others'
        # changes: fine, as none reads another's rows.
        params: dict[str, Any] = {}
        for i, write in enumerate(writes):
            params.update(write.params(i))
        conn.execute(_statement(dialect, tuple(w.shape for w in writes)), params)


@cache
def _insert_statement(table: Table) -> Insert:
    return insert(table)


def _merged(writes: list[Write]) -> list[Write]:
    """Ordered rows for the same table and columns in one INSERT, in the order they came
    (the timer's in-order trigger then sees each event after the one before it); changes
    to the same row in one UPDATE (a statement may change a row only once)."""
    out: list[Write] = []
    seen: dict[tuple[Any, ...], Write] = {}
    for write in writes:
        if write.kind is Kind.ADD or (write.kind is Kind.INSERT and not write.ordered):
            out.append(write)
            continue
        first = write.rows[0]
        key = (
            (write.table.name, Kind.UPDATE, first["id"])
            if write.kind is Kind.UPDATE
            else (write.table.name, Kind.INSERT, tuple(first))
        )
        found = seen.get(key)
        if found is None:
            rows = [dict(r) for r in write.rows]
            seen[key] = found = Write(write.table, write.kind, rows, ordered=write.ordered)
            out.append(found)
        elif write.kind is Kind.UPDATE:
            found.rows[0].update(first)
        else:
            found.rows.extend(write.rows)
    return out


_statements: dict[tuple[Any, ...], Any] = {}
_TABLES: dict[str, Table] = {}


def _statement(dialect: str, shapes: tuple[tuple[Any, ...], ...]) -> Any:
    """The statement for this run of shapes: one write, or several as ``WITH`` clauses."""
    key = (dialect, shapes)
    found = _statements.get(key)
    if found is None:
        parts = [_part(dialect, i, shape) for i, shape in enumerate(shapes)]
        if len(parts) == 1:
            found = parts[0]
        else:
            ctes = [p.cte(f"write_{i}") for i, p in enumerate(parts)]
            found = select(literal_column("1")).add_cte(*ctes)
        _statements[key] = found
    return found


def _part(dialect: str, i: int, shape: tuple[Any, ...]) -> Insert | Update:
    name, kind, columns, rows, conflict = shape
    table = _TABLES[name]

    def bound(r: int, column: str) -> Any:
        return bindparam(f"w{i}_{r}_{column}", type_=table.c[column].type)

    if kind is Kind.UPDATE:
        return (
            update(table)
            .where(table.c.id == bound(0, "id"))
            .values({c: bound(0, c) for c in columns if c != "id"})
        )
    # One row as a mapping: SQLAlchemy caches the compiled form of that, not of a list.
    values: Any = (
        {c: bound(0, c) for c in columns}
        if rows == 1
        else [{c: bound(r, c) for c in columns} for r in range(rows)]
    )
    if kind is Kind.INSERT:
        return insert(table).values(values)
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = make_insert(table).values(values)
    added = {c: table.c[c] + stmt.excluded[c] for c in columns if c not in conflict}
    return stmt.on_conflict_do_update(index_elements=list(conflict), set_=added)
