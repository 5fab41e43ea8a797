"""Pagination in SQL: one page and its total, never the whole table."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, RowMapping, ScalarSelect, Select, bindparam, func

from .errors import NotFound, ValidationFailed
from .shop import Tx
from .sql.caller import FOUND, joined

# The original web admin asks for 200 to 400 and reads only the first page.
MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 10


def check_page(page: int, per_page: int) -> None:
    if page < 1:
        raise ValidationFailed("page must be 1 or more.", field="page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(f"per_page must be between 1 and {MAX_PER_PAGE}.", field="per_page")


def select_page(tx: Tx, query: Select[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    """The first column of ``query``'s rows on ``page``, and how many rows it has in all
    (counted over its FROM and WHERE only); a page past the last one is NotFound. For a
    read whose caller was admitted already (an ad-hoc query, not one built once)."""
    check_page(page, per_page)
    counter = query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    total = int(tx.scalar(counter) or 0)
    last = max(1, -(-total // per_page))
    if page > last:
        raise NotFound(f"Page {page} does not exist; there are {last} page(s).", field="page")
    paged = query.limit(per_page).offset((page - 1) * per_page)
    return list(tx.execute(paged).scalars()), total


@dataclass(frozen=True)
class PageQuery:
    """A page of rows and their total, joined to the caller: one statement, built once
    (see :meth:`of`). The total is computed beside the caller's row, so an empty page
    (or one past the end) still knows it."""

    statement: Select[Any]

    @classmethod
    def of(
        cls,
        rows: Select[Any],
        total: ScalarSelect[Any],
        *,
        order_by: Sequence[str],
        descending: bool = False,
    ) -> PageQuery:
        """``rows`` paged in the order of its columns ``order_by`` (the last a key that is
        never NULL), with ``total`` (a cheap scalar subquery: kept counters, an indexed
        count) as the column ``total_count``."""
        columns = rows.selected_columns
        ordered = [columns[name].desc() if descending else columns[name] for name in order_by]
        # LIMIT and OFFSET are written into the SQL (the rest stays bound): with them as
        # parameters PostgreSQL misjudges a prepared page's generic plan and plans the
        # page again on every request, which costs more than reading it.
        page = (
            rows.order_by(*ordered)
            .limit(bindparam("page_limit", type_=Integer(), literal_execute=True))
            .offset(bindparam("page_offset", type_=Integer(), literal_execute=True))
        )
        statement = joined(
            page,
            order_by=order_by,
            descending=descending,
            beside=(total.label("total_count"),),
        )
        return cls(statement)

    def fetch(
        self,
        tx: Tx,
        params: Mapping[str, Any],
        page: int,
        per_page: int,
        *,
        actor: int | None = None,
    ) -> tuple[list[RowMapping], int]:
        """The rows of ``page`` and the total, as the use case's first statement (the caller
        is checked by it, acting as ``actor``); a page past the last one is NotFound."""
        check_page(page, per_page)
        bound = {**params, "page_limit": per_page, "page_offset": (page - 1) * per_page}
        rows = tx.read(self.statement, bound, actor=actor)
        total = int(rows.first["total_count"] or 0) if rows.first is not None else 0
        last = max(1, -(-total // per_page))
        if not rows and page > last:
            raise NotFound(f"Page {page} does not exist; there are {last} page(s).", field="page")
        return list(rows), total

    def stream(
        self, tx: Tx, params: Mapping[str, Any], page: int, per_page: int
    ) -> tuple[Iterator[RowMapping], int]:
        """As :meth:`fetch`, with the rows read as they are iterated (a big page is never
        held whole); the transaction must stay open until they are."""
        check_page(page, per_page)
        bound = {**params, "page_limit": per_page, "page_offset": (page - 1) * per_page}
        first, rows = tx.read_streamed(self.statement, bound)
        total = int(first["total_count"] or 0) if first is not None else 0
        last = max(1, -(-total // per_page))
        empty = first is None or first.get(FOUND, 1) is None
        if empty and page > last:
            raise NotFound(f"Page {page} does not exist; there are {last} page(s).", field="page")
        return rows, total
