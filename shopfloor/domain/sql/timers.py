"""Work sessions' statements: the open timers, a ticket's sessions and history, and the
events the pause budget is counted from.

The open sessions a timer action changes are read *after* the ticket's lock, in a
statement of their own: on PostgreSQL a statement sees the rows committed when it
began, and only the locked row is read again once the lock is granted, so whatever
the lock's previous holder did to the timer is seen only by a later statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Integer, Select, bindparam, or_, select

from ..models import Base, Bike, Ticket, User, WorkSession, WorkSessionEvent, session_is_open
from ..values import WorkSessionStatus
from . import from_row
from .caller import joined, person

TICKET_ID = bindparam("ticket_id", type_=Integer())
TECHNICIAN_ID = bindparam("technician_id", type_=Integer())
SESSION_ID = bindparam("work_session_id", type_=Integer())

_sessions = WorkSession.__table__
_events = WorkSessionEvent.__table__
_tickets = Ticket.__table__
_users = User.__table__


@dataclass(frozen=True)
class SessionRow:
    """A work session as read (or as the timer has since saved it)."""

    MODEL: ClassVar[type[Base]] = WorkSession

    id: int
    ticket_id: int
    technician_id: int
    status: str
    started_at: datetime
    last_started_at: datetime | None
    ended_at: datetime | None
    active_seconds: int
    pause_reason: str | None
    created_at: datetime
    updated_at: datetime


def session_row(row: Mapping[Any, Any]) -> SessionRow:
    return from_row(SessionRow, row)


# After the ticket's lock: its open session, and (to start one) its technician's.
OPEN_OF_TICKET = select(_sessions).where(_sessions.c.ticket_id == TICKET_ID, session_is_open())
OPEN_OF_TICKET_OR_TECHNICIAN = select(_sessions).where(
    session_is_open(),
    or_(_sessions.c.ticket_id == TICKET_ID, _sessions.c.technician_id == TECHNICIAN_ID),
)
ONE = select(_sessions).where(_sessions.c.id == SESSION_ID)

# Reads, each a use case's first statement.
OPEN_FOR_TICKET = joined(OPEN_OF_TICKET)
OPEN_FOR_TECHNICIAN = joined(
    select(_sessions).where(_sessions.c.technician_id == TECHNICIAN_ID, session_is_open())
)
PAUSED_FOR_TECHNICIAN = joined(
    select(_sessions).where(
        _sessions.c.technician_id == TECHNICIAN_ID,
        _sessions.c.status == WorkSessionStatus.PAUSED.value,
    )
)
OF_TICKET = joined(select(_sessions).where(_sessions.c.ticket_id == TICKET_ID), order_by=("id",))
EVENTS_OF_SESSION = joined(
    select(_events).where(_events.c.work_session_id == SESSION_ID),
    order_by=("event_at", "id"),
)

# Every timer event of a ticket with its actor's name, newest first (a ticket that never
# had a timer is one row of NULLs, so a missing ticket can still be told apart).
_actor = _users.alias("actor")
HISTORY = joined(
    select(
        # Named as the view's fields (see views.WorkSessionEventView).
        _events.c.id,
        _events.c.work_session_id.label("work_session"),
        _events.c.ticket_id.label("ticket"),
        _events.c.from_status,
        _events.c.to_status,
        _events.c.action,
        _events.c.actor_id.label("actor"),
        _events.c.event_at,
        _events.c.metadata,
        _events.c.created_at,
        *person(_actor, "actor"),
    )
    .select_from(
        _tickets.outerjoin(_events, _events.c.ticket_id == _tickets.c.id).outerjoin(
            _actor, _actor.c.id == _events.c.actor_id
        )
    )
    .where(_tickets.c.id == TICKET_ID),
    order_by=("event_at", "id"),
    descending=True,
)

# The open timers, with their ticket and technician (for the stale-timer sweep).
_bikes = Bike.__table__
_tech = _users.alias("tech")
OPEN_WITH_TICKETS = (
    select(
        _sessions,
        _tickets.c.status.label("ticket_status"),
        _tickets.c.technician_id.label("ticket_technician_id"),
        _bikes.c.bike_code,
        *person(_tech, "tech"),
    )
    .select_from(
        _sessions.join(_tickets, _tickets.c.id == _sessions.c.ticket_id)
        .join(_bikes, _bikes.c.id == _tickets.c.bike_id)
        .join(_tech, _tech.c.id == _sessions.c.technician_id)
    )
    .where(session_is_open())
    .order_by(_sessions.c.id)
)


def sessions_since(technician_ids: Sequence[int], since: datetime) -> Any:
    """The technicians' sessions still open or ended since ``since``: two index ranges
    (an OR of the two would read every session they ever had). One technician's is a
    range of (technician, ended_at); several technicians' of ended_at alone."""
    ended = select(_sessions.c.id).where(
        _sessions.c.technician_id.in_(technician_ids), _sessions.c.ended_at >= since
    )
    still_open = select(_sessions.c.id).where(
        _sessions.c.technician_id.in_(technician_ids), session_is_open()
    )
    return ended.union_all(still_open)


def technician_events(technician_ids: Sequence[int], since: datetime) -> Select[Any]:
    """Per technician, the events of their sessions open or ended since ``since``, in order
    within each session: one statement for any number of technicians."""
    return (
        select(
            _sessions.c.technician_id,
            _events.c.work_session_id,
            _events.c.event_at,
            _events.c.to_status,
            _events.c.metadata.label("meta"),
        )
        .join(_sessions, _sessions.c.id == _events.c.work_session_id)
        .where(_events.c.work_session_id.in_(sessions_since(technician_ids, since)))
        .order_by(_events.c.work_session_id, _events.c.event_at, _events.c.id)
    )
