"""Bikes' statements: one bike by id or code (locked, for intake, archive and restore),
the fleet list, and the codes close to a typed one.

Intake, archive and restore of one bike take its row lock, so they run one after the
other and each sees what the one before committed (PostgreSQL; on SQLite BEGIN
IMMEDIATE already serialises every write transaction).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, NamedTuple

from sqlalchemy import Boolean, ColumnElement, Integer, Select, String, bindparam, func, select

from ..models import Base, Bike, BikeStatusCount, Ticket
from ..paging import PageQuery
from ..values import TicketStatus
from ..views import BikeView
from . import from_row
from .caller import joined

BIKE_ID = bindparam("bike_id", type_=Integer())
CODE = bindparam("code", type_=String())

_bikes = Bike.__table__
_tickets = Ticket.__table__


@dataclass(frozen=True)
class BikeRow(BikeView):
    """A bike as read (or as a use case has since saved it): its view is itself."""

    MODEL: ClassVar[type[Base]] = Bike


def bike_row(row: Mapping[Any, Any]) -> BikeRow:
    return from_row(BikeRow, row)


# Its active ticket, if it has one. Read in the statement that locks the bike (intake),
# it can miss a ticket opened by whoever held the lock first: the active-ticket index
# then refuses the insert, and the retry (see :func:`..shop.writes`) reads it. Archiving
# reads it after the lock (:data:`ACTIVE_TICKET`), where a miss would end in a trigger's
# refusal instead.
_active_ticket = (
    select(_tickets.c.id)
    .where(_tickets.c.bike_id == _bikes.c.id, _tickets.c.status != TicketStatus.DONE.value)
    .limit(1)
    .scalar_subquery()
    .label("active_ticket")
)


def _bike(where: ColumnElement[bool], *, lock: bool) -> Select[Any]:
    target = select(_bikes, _active_ticket).where(where)
    return joined(target.with_for_update(of=_bikes) if lock else target)


LOCK_BY_CODE = _bike(_bikes.c.bike_code == CODE, lock=True)
LOCK_BY_ID = _bike(_bikes.c.id == BIKE_ID, lock=True)
BY_CODE = _bike(_bikes.c.bike_code == CODE, lock=False)
BY_ID = _bike(_bikes.c.id == BIKE_ID, lock=False)
# After the bike's lock: its active ticket as committed by whoever held the lock before.
ACTIVE_TICKET = (
    select(_tickets.c.id)
    .where(_tickets.c.bike_id == BIKE_ID, _tickets.c.status != TicketStatus.DONE.value)
    .limit(1)
)


_ESCAPE = "/"


def containing(fragment: str) -> str:
    """The LIKE pattern of codes that contain ``fragment`` as typed (wildcards escaped)."""
    escaped = "".join(_ESCAPE + c if c in ("%", "_", _ESCAPE) else c for c in fragment)
    return f"%{escaped}%"


class ListShape(NamedTuple):
    """Which filters the fleet list applies."""

    status: bool
    query: bool
    archived: bool


@cache
def list_query(shape: ListShape) -> PageQuery:
    """Bikes by code and their total (bound parameters: ``status``, ``pattern`` (see
    :func:`containing`), ``active``); unfiltered or by status and archived, the total is
    the kept counters'."""
    where: list[ColumnElement[bool]] = []
    counters = select(func.coalesce(func.sum(BikeStatusCount.bikes), 0))
    if shape.status:
        where.append(_bikes.c.status == bindparam("status", type_=String()))
        counters = counters.where(BikeStatusCount.status == bindparam("status", type_=String()))
    if shape.query:
        pattern = bindparam("pattern", type_=String())
        where.append(_bikes.c.bike_code.like(pattern, escape=_ESCAPE))
    if shape.archived:
        active = bindparam("active", type_=Boolean())
        where.append(_bikes.c.is_active == active)
        counters = counters.where(BikeStatusCount.is_active == active)
    total = (
        select(func.count()).select_from(_bikes).where(*where).scalar_subquery()
        if shape.query
        else counters.scalar_subquery()
    )
    return PageQuery.of(select(_bikes).where(*where), total, order_by=("bike_code",))


# Codes for suggestions: read after the caller's check (plain statements).
ACTIVE = _bikes.c.is_active.is_(True)


def codes_starting(query: str, limit: int) -> Select[str]:
    return (
        select(_bikes.c.bike_code)
        .where(ACTIVE, _bikes.c.bike_code.startswith(query, autoescape=True))
        .order_by(_bikes.c.bike_code)
        .limit(limit)
    )


def codes_containing(query: str, limit: int, exclude: list[str]) -> Select[str]:
    return (
        select(_bikes.c.bike_code)
        .where(
            ACTIVE,
            _bikes.c.bike_code.contains(query, autoescape=True),
            _bikes.c.bike_code.not_in(exclude),
        )
        .order_by(_bikes.c.bike_code)
        .limit(limit)
    )


def codes_of_length(shortest: int, longest: int, exclude: list[str]) -> Select[str]:
    return select(_bikes.c.bike_code).where(
        ACTIVE,
        func.length(_bikes.c.bike_code).between(shortest, longest),
        _bikes.c.bike_code.not_in(exclude),
    )
