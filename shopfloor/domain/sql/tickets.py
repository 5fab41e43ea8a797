"""Tickets' statements: the locks the workflow takes, one ticket, the list, the trail.

A ticket comes back with the names a reply shows (its bike's code, its master and
technician), as a :class:`TicketRow`. Each locking statement locks the ticket's row
only (``FOR UPDATE OF tickets`` on PostgreSQL; SQLite's write transactions are serial)
and adds what its use case must know under the lock, asked in the same statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    ScalarSelect,
    Select,
    String,
    bindparam,
    func,
    select,
)

from ..models import (
    Base,
    Bike,
    Ticket,
    TicketStatusCount,
    TicketTransition,
    User,
    WorkSession,
    XpEntry,
)
from ..paging import PageQuery
from ..values import TicketStatus
from . import from_row
from .caller import CALLER_ID, joined, name_of, person, roles_of

TICKET_ID = bindparam("ticket_id", type_=Integer())

_tickets = Ticket.__table__
_bikes = Bike.__table__
_users = User.__table__
_master = _users.alias("master")
_technician = _users.alias("technician")
_approver = _users.alias("approver")

# A ticket's columns, its bike's code and its people's names, by primary key.
COLUMNS = (
    *_tickets.c,
    _bikes.c.bike_code.label("bike_code"),
    *person(_master, "master"),
    *person(_technician, "technician"),
    *person(_approver, "approver"),
)
FROM = (
    _tickets.join(_bikes, _bikes.c.id == _tickets.c.bike_id)
    .join(_master, _master.c.id == _tickets.c.master_id)
    .outerjoin(_technician, _technician.c.id == _tickets.c.technician_id)
    .outerjoin(_approver, _approver.c.id == _tickets.c.approved_by_id)
)


@dataclass(frozen=True)
class TicketRow:
    """A ticket as read (or as a use case has since saved it), with the names a reply shows."""

    MODEL: ClassVar[type[Base]] = Ticket

    id: int
    status: str
    title: str
    checklist_snapshot: Any
    srt_total_minutes: int
    flag_minutes: int
    # Its bike and people, with the names a reply shows.
    bike_id: int
    bike_code: str
    master_id: int
    master_name: str
    srt_approved_by_id: int
    technician_id: int | None
    technician_name: str | None
    # Caches of its history (see rollups.py).
    qc_fail_count: int
    latest_qc_note: str
    parked_reason: str | None
    worked_seconds: int
    running_since: datetime | None
    # Part-level work (issue 21): see models.Ticket.
    flag_color: str | None
    xp_amount: int | None
    is_manual: bool
    approved_by_id: int | None
    approved_by_name: str | None
    approved_at: datetime | None
    part_specs: Any
    work_state: Any
    # When.
    created_at: datetime
    srt_approved_at: datetime
    assigned_at: datetime | None
    started_at: datetime | None
    done_at: datetime | None
    updated_at: datetime


def ticket_row(row: Mapping[Any, Any]) -> TicketRow:
    """A :class:`TicketRow` from a row of :data:`COLUMNS`."""
    master = name_of(row, "master")
    assert master is not None  # every ticket has its master
    return from_row(
        TicketRow,
        row,
        master_name=master,
        technician_name=name_of(row, "technician"),
        approved_by_name=name_of(row, "approver"),
    )


def _lock(*extra: ColumnElement[Any], source: Any = FROM) -> Select[Any]:
    """One ticket (by ``:ticket_id``) locked, with ``extra`` columns read in the same go."""
    target = (
        select(*COLUMNS, *extra)
        .select_from(source)
        .where(_tickets.c.id == TICKET_ID)
        .with_for_update(of=_tickets)
    )
    return joined(target)


LOCK = _lock()

# Another ticket of its technician's in progress, read with the lock's request: a ticket
# started by whoever held the lock first can be missed, and the one-in-progress index
# then refuses the start (see :func:`..shop.writes`), whose retry reads it.
_other = _tickets.alias("other")
LOCK_TO_START = _lock(
    select(_other.c.id)
    .where(
        _other.c.technician_id == _tickets.c.technician_id,
        _other.c.status == TicketStatus.IN_PROGRESS.value,
        _other.c.id != _tickets.c.id,
    )
    .limit(1)
    .scalar_subquery()
    .label("busy_ticket")
)

# The user ``:user_id`` to give it to, with their roles (NULL when there is no such user).
_chosen = _users.alias("chosen")
LOCK_TO_ASSIGN = _lock(
    _chosen.c.id.label("chosen_id"),
    _chosen.c.is_active.label("chosen_active"),
    *person(_chosen, "chosen"),
    roles_of(_chosen.c.id).label("chosen_roles"),
    source=FROM.outerjoin(_chosen, _chosen.c.id == bindparam("user_id", type_=Integer())),
)

# Whether the caller ever worked on it, and whether each XP a pass pays was paid already.
_sessions = WorkSession.__table__
_xp = XpEntry.__table__
LOCK_TO_INSPECT = _lock(
    select(_sessions.c.id)
    .where(_sessions.c.ticket_id == TICKET_ID, _sessions.c.technician_id == CALLER_ID)
    .exists()
    .label("worked_by_caller"),
    select(_xp.c.id)
    .where(_xp.c.reference == bindparam("base_reference", type_=String()))
    .exists()
    .label("base_paid"),
    select(_xp.c.id)
    .where(_xp.c.reference == bindparam("bonus_reference", type_=String()))
    .exists()
    .label("bonus_paid"),
)

# One ticket, not locked.
# Tickets whose ids a read found some other way (a search, a bike's history).
BY_IDS = (
    select(*COLUMNS)
    .select_from(FROM)
    .where(_tickets.c.id.in_(bindparam("ids", type_=Integer(), expanding=True)))
)
DETAIL = joined(select(*COLUMNS).select_from(FROM).where(_tickets.c.id == TICKET_ID))


class ListShape(NamedTuple):
    """Which filters a list applies, and its order."""

    statuses: bool
    technician: bool
    bike: bool
    oldest_first: bool


@cache
def list_query(shape: ListShape) -> PageQuery:
    """The page and its total in one statement, filtered in SQL (bound parameters:
    ``statuses``, ``technician_id``, ``bike_code``)."""
    t = _tickets.c
    where: list[ColumnElement[bool]] = []
    if shape.statuses:
        where.append(t.status.in_(bindparam("statuses", type_=String(), expanding=True)))
    if shape.technician:
        where.append(t.technician_id == bindparam("technician_id", type_=Integer()))
    if shape.bike:
        code = bindparam("bike_code", type_=String())
        bike = select(_bikes.c.id).where(_bikes.c.bike_code == code).correlate(None)
        where.append(t.bike_id == bike.scalar_subquery())
    total: ScalarSelect[Any]
    if shape.technician or shape.bike:
        total = select(func.count()).select_from(_tickets).where(*where).scalar_subquery()
    else:
        # Exact and O(1): the per-status counters the database keeps with every change.
        counters = select(func.coalesce(func.sum(TicketStatusCount.tickets), 0))
        if shape.statuses:
            counted = bindparam("counted_statuses", type_=String(), expanding=True)
            counters = counters.where(TicketStatusCount.status.in_(counted))
        total = counters.scalar_subquery()
    return PageQuery.of(
        select(*COLUMNS).select_from(FROM).where(*where),
        total,
        order_by=("created_at", "id"),
        descending=not shape.oldest_first,
    )


# The ticket's transitions with who made each (and to whom an assignment went), newest
# first (a ticket without any, which intake never leaves, is one row of NULLs).
_transitions = TicketTransition.__table__
_actor = _users.alias("actor")
_assignee = _users.alias("assignee")
TRANSITIONS = joined(
    select(
        # Named as the view's fields (see views.TransitionView).
        _transitions.c.id,
        _transitions.c.ticket_id.label("ticket"),
        _transitions.c.from_status,
        _transitions.c.to_status,
        _transitions.c.action,
        _transitions.c.actor_id.label("actor"),
        _transitions.c.note,
        _transitions.c.metadata,
        _transitions.c.created_at,
        *person(_actor, "actor"),
        *person(_assignee, "assignee"),
    )
    .select_from(
        _tickets.outerjoin(_transitions, _transitions.c.ticket_id == _tickets.c.id)
        .outerjoin(_actor, _actor.c.id == _transitions.c.actor_id)
        .outerjoin(
            _assignee,
            _assignee.c.id == _transitions.c.metadata["technician_id"].as_integer(),
        )
    )
    .where(_tickets.c.id == TICKET_ID),
    order_by=("created_at", "id"),
    descending=True,
)
