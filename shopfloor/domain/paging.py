"""Pagination in SQL: a count and one page, never the whole table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnCollection,
    ColumnElement,
    Integer,
    Row,
    ScalarSelect,
    Select,
    Subquery,
    bindparam,
    func,
    literal,
    select,
    true,
)

from .errors import NotFound, ValidationFailed
from .shop import FoldedCaller, Tx

# The original web admin asks for 200 to 400 and reads only the first page.
MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 10


def check_page(page: int, per_page: int) -> None:
    if page < 1:
        raise ValidationFailed("page must be 1 or more.", field="page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(f"per_page must be between 1 and {MAX_PER_PAGE}.", field="per_page")


def fetch_page(
    tx: Tx,
    query: Select[Any],
    page: int,
    per_page: int,
    *,
    total: int | None = None,
    whole_rows: bool = False,
) -> tuple[list[Any], int]:
    """The rows of ``page`` and the total count; a page past the last one is NotFound.

    ``total``: the count when the caller knows it already (kept counters), so none runs.
    The rows are the query's first column (an entity), or ``whole_rows``.
    """
    check_page(page, per_page)
    if total is None:
        # Count over the same FROM and WHERE only: wrapping the entity select would make
        # the database read every row's columns just to count them.
        counter = query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
        total = int(tx.session.scalar(counter) or 0)
    last = max(1, -(-total // per_page))
    if page > last:
        raise NotFound(f"Page {page} does not exist; there are {last} page(s).", field="page")
    paged = query.limit(per_page).offset((page - 1) * per_page)
    if whole_rows:
        return list(tx.session.execute(paged).all()), total
    return list(tx.session.scalars(paged).unique()), total


@dataclass(frozen=True)
class PageQuery:
    """A page of rows and their total in one statement, built once (see :meth:`of`).

    One row (the anchor: the caller's row of :func:`caller_row`, or a constant one) is
    left-joined to the page, and the total is a column beside it, so the statement
    always returns a row: an empty page is that row with the page's columns NULL.
    The total therefore needs no statement of its own, nor does the caller's check.
    """

    statement: Select[Any]
    key: str

    @classmethod
    def of(
        cls,
        rows: Select[Any],
        total: ScalarSelect[Any],
        *,
        order_by: Sequence[str],
        descending: bool = False,
        anchor: Subquery | None = None,
    ) -> PageQuery:
        """``rows`` paged in the order of its columns ``order_by`` (the last a key that is
        never NULL), with ``total`` (a cheap scalar subquery: kept counters, an indexed
        count) as the column ``total_count``, and ``anchor``'s columns on every row."""

        def ordered(columns: ColumnCollection[str, Any]) -> list[ColumnElement[Any]]:
            return [columns[name].desc() if descending else columns[name] for name in order_by]

        # LIMIT and OFFSET are written into the SQL (the rest stays bound): with them as
        # parameters PostgreSQL misjudges a prepared page's generic plan and plans the
        # page again on every request, which costs more than reading it.
        page = (
            rows.order_by(*ordered(rows.selected_columns))
            .limit(bindparam("page_limit", type_=Integer(), literal_execute=True))
            .offset(bindparam("page_offset", type_=Integer(), literal_execute=True))
            .subquery("page")
        )
        if anchor is None:
            anchor = select(literal(1).label("page_anchor")).subquery("anchor")
        statement = (
            select(anchor, total.label("total_count"), page)
            .select_from(anchor.outerjoin(page, true()))
            .order_by(*ordered(page.c))
        )
        return cls(statement, order_by[-1])

    def fetch(
        self,
        tx: Tx,
        params: Mapping[str, Any],
        page: int,
        per_page: int,
        folded: FoldedCaller | None = None,
    ) -> tuple[list[Row[Any]], int]:
        """The rows of ``page`` (with the anchor's columns and ``total_count``) and the total;
        a page past the last one is NotFound. ``folded``: the caller, checked from the
        anchor before anything else is read (the statement must be anchored on them)."""
        check_page(page, per_page)
        bound = {**params, "page_limit": per_page, "page_offset": (page - 1) * per_page}
        if folded is not None:
            bound.update(folded.params)
        rows = list(tx.session.connection().execute(self.statement, bound).all())
        anchor = rows[0] if rows else None
        if folded is not None:
            tx.check_folded_caller(folded, anchor)
        total = int(anchor.total_count or 0) if anchor is not None else 0
        if anchor is not None and anchor._mapping[self.key] is None:
            rows = []  # the anchor alone: the page is empty
        last = max(1, -(-total // per_page))
        if not rows and page > last:
            raise NotFound(f"Page {page} does not exist; there are {last} page(s).", field="page")
        return rows, total
