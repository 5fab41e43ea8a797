"""Pagination in SQL: a count and one page, never the whole table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ScalarSelect, Select, func, select

from .errors import NotFound, ValidationFailed
from .shop import Tx

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


def fetch_counted_page(
    tx: Tx, query: Select[Any], total: ScalarSelect[Any], page: int, per_page: int
) -> tuple[list[Any], int]:
    """:func:`fetch_page` in one statement: ``total`` (a scalar subquery that is cheap to
    evaluate, such as kept counters) is read as a column of the page's own rows.

    Only a page with no rows asks for the total on its own, to tell an empty first page
    (total 0, no query) from one past the end (NotFound, naming how many there are).
    The rows are whole rows (a Core select), with the total as their last column.
    """
    check_page(page, per_page)
    counted = query.add_columns(total.label("total_count"))
    rows = tx.session.execute(counted.limit(per_page).offset((page - 1) * per_page)).all()
    if rows:
        return list(rows), int(rows[0][-1] or 0)
    if page == 1:
        return [], 0
    count = int(tx.session.scalar(select(total)) or 0)
    last = max(1, -(-count // per_page))
    if page > last:
        raise NotFound(f"Page {page} does not exist; there are {last} page(s).", field="page")
    return [], count
