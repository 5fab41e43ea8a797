"""Writes that go out together: one statement on PostgreSQL, in order elsewhere.

A workflow step ends with several small writes: its audit rows, the ticket's and
the timer's changed columns, the bike's status, the daily rollups. None of them
reads what another writes, so they are collected during the step and sent when
the session flushes or commits: on PostgreSQL as one statement of data-modifying
``WITH`` clauses (one round trip instead of four or five), on SQLite one after
another. Rows inserted for their id (a ticket, a work session) are not batched.

Each write is described by its shape (table, kind, columns, rows) and its values;
the statement for a shape, and for a run of shapes on PostgreSQL, is built once
with bound parameters, so SQLAlchemy compiles it once and never again.

A read that must see what the step wrote so far calls :func:`write_pending`
first; an ORM query does it anyway, through the flush that precedes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnDefault,
    Insert,
    Table,
    Update,
    bindparam,
    event,
    insert,
    inspect,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstanceState, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from .models import Base, Bike, Ticket, WorkSession

M = TypeVar("M", bound=Base)

_BATCH = "shopfloor_batch"
# Loaded rows whose changed columns join the batch instead of the ORM's own flush.
_SAVED_BY_BATCH = (Ticket, WorkSession, Bike)


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


_contributors: list[Callable[[Session], list[Write]]] = []
_statements: dict[tuple[Any, ...], Any] = {}


def insert_row(session: Session, model: type[M], values: dict[str, Any]) -> M:
    """Insert one row now, with a Core INSERT, for its id (the rows a step goes on to
    refer to: a ticket, a work session, a bike), and return it as a loaded object.

    ``values`` are by attribute name; a column not given gets its default (or NULL),
    here as in the row, so the object needs no read back and no flush of its own.
    """
    table = _table(model)
    row = dict(values)
    for column in table.columns:
        if column.key not in row and not column.primary_key:
            default = column.default
            if isinstance(default, ColumnDefault) and default.is_scalar:
                row[column.key] = default.arg
            else:
                row[column.key] = None
    result = session.connection().execute(_insert_statement(table), row)
    key = result.inserted_primary_key
    assert key is not None
    obj = model(**row, id=key[0])
    make_transient_to_detached(obj)  # loaded as if read: nothing of it is pending
    session.add(obj)
    return obj


@cache
def _insert_statement(table: Table) -> Insert:
    return insert(table)


def write_later(session: Session, write: Write) -> None:
    """Send ``write`` with the transaction's next batch."""
    batch: list[Write] = session.info.setdefault(_BATCH, [])
    batch.append(write)


def insert_later(
    session: Session, table: Any, *rows: dict[str, Any], in_order: bool = False
) -> None:
    """Append ``rows`` (by column name) to ``table`` (a model or a table) with the next
    batch. ``in_order``: they (and any other such rows of the batch for the table) go in
    one INSERT, in the order given, for a trigger that checks each against the ones
    before; otherwise each row is a statement of its own, compiled once."""
    if in_order:
        write_later(session, Write(_table(table), Kind.INSERT, list(rows), ordered=True))
        return
    for row in rows:
        write_later(session, Write(_table(table), Kind.INSERT, [row]))


def update_later(session: Session, table: Any, row_id: int, **values: Any) -> None:
    """Set ``values`` on the row ``row_id`` of ``table`` with the next batch."""
    write_later(session, Write(_table(table), Kind.UPDATE, [{"id": row_id, **values}]))


def contribute(collect: Callable[[Session], list[Write]]) -> None:
    """Have ``collect`` add its pending writes to every batch as it is sent."""
    _contributors.append(collect)


def write_pending(session: Session) -> None:
    """Send what the transaction has collected, if anything."""
    writes: list[Write] = session.info.pop(_BATCH, [])
    for collect in _contributors:
        writes += collect(session)
    writes = _merged([*writes, *_changed_rows(session)])
    if not writes:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    if len(writes) == 1 or dialect != "postgresql":
        for write in writes:
            connection.execute(_statement(dialect, (write.shape,)), write.params(0))
        return
    # Each clause sees the snapshot the statement started with, not the others'
    # changes: fine, as none reads another's rows.
    params: dict[str, Any] = {}
    for i, write in enumerate(writes):
        params.update(write.params(i))
    connection.execute(_statement(dialect, tuple(w.shape for w in writes)), params)


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


_TABLES: dict[str, Table] = {}


def _table(model_or_table: Any) -> Table:
    table = getattr(model_or_table, "__table__", model_or_table)
    assert isinstance(table, Table)
    _TABLES.setdefault(table.name, table)
    return table


def add_rows(table: Any, rows: Sequence[dict[str, Any]], conflict: tuple[str, ...]) -> Write:
    """Insert ``rows``, or add their other columns to the rows already there."""
    return Write(_table(table), Kind.ADD, list(rows), conflict)


def _changed_rows(session: Session) -> list[Write]:
    """One UPDATE of the changed columns of each loaded ticket, timer and bike, which then
    count as saved (so the ORM's flush finds nothing left to write for them)."""
    out: list[Write] = []
    for obj in list(session.dirty):
        if not isinstance(obj, _SAVED_BY_BATCH):
            continue
        state: InstanceState[Any] = inspect(obj)
        values: dict[str, Any] = {}
        for attr in state.mapper.column_attrs:
            key = attr.key
            if key in state.unmodified:
                continue
            if state.attrs[key].history.has_changes():
                values[attr.columns[0].name] = state.dict[key]
            set_committed_value(obj, key, state.dict[key])
        if values:
            out.append(Write(_table(type(obj)), Kind.UPDATE, [{"id": obj.id, **values}]))
    return out


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    write_pending(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write_pending(session)
