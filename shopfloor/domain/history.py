"""A bike's repair history: its tickets, newest first, with who did what and how QC went.

Read by the bike's tickets only (the tickets' bike index, then their transitions and
work sessions by ticket), so it costs what that one bike has been through, never the
shop's whole history: five statements whatever the shop's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from .bikes import no_bike
from .models import Ticket, TicketTransition, User, WorkSession
from .shop import Tx, reads
from .sql import bikes as bike_sql
from .sql.bikes import bike_row
from .tickets import ticket_views
from .values import TicketAction, WorkSessionStatus
from .views import BikeView, TicketView, display_name


@dataclass(frozen=True)
class WorkerTime:
    """Time one technician worked on one ticket (a running timer counted up to now)."""

    technician: int
    technician_name: str
    worked_seconds: int


@dataclass(frozen=True)
class QcOutcome:
    passed: bool
    note: str
    inspector: int
    inspector_name: str
    at: datetime


@dataclass(frozen=True)
class Parking:
    """The ticket was parked (put on hold), why, by whom."""

    reason: str
    note: str
    technician: int
    technician_name: str
    at: datetime


@dataclass(frozen=True)
class Repair:
    """One ticket of the bike: the ticket (who took it in: ``master_name``), who worked it
    and for how long, its QC outcomes and its parkings, each oldest first."""

    ticket: TicketView
    workers: tuple[WorkerTime, ...]
    qc: tuple[QcOutcome, ...]
    parked: tuple[Parking, ...]


@dataclass(frozen=True)
class BikeHistory:
    bike: BikeView
    repairs: tuple[Repair, ...]  # newest first

    @property
    def worked_seconds(self) -> int:
        return sum(r.ticket.worked_seconds for r in self.repairs)


def _name(users: dict[int, str], uid: int) -> str:
    return users.get(uid) or f"user {uid}"


@reads
def bike_history(tx: Tx, actor_id: int | None, bike_id: int) -> BikeHistory:
    """Every ticket of the bike, newest first, with its workers' time, QC outcomes and
    parkings. Anyone who may log in may read it."""
    found = tx.read(bike_sql.BY_ID, {"bike_id": bike_id}, actor=actor_id, missing=no_bike(bike_id))
    bike = bike_row(found[0])
    ids = list(
        tx.execute(
            select(Ticket.id)
            .where(Ticket.bike_id == bike.id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        ).scalars()
    )
    tickets = ticket_views(tx, ids)
    transitions: list[Any] = []
    sessions: list[Any] = []
    if ids:
        transitions = list(
            tx.execute(
                select(
                    TicketTransition.ticket_id,
                    TicketTransition.action,
                    TicketTransition.actor_id,
                    TicketTransition.note,
                    TicketTransition.meta.label("meta"),
                    TicketTransition.created_at,
                )
                .where(
                    TicketTransition.ticket_id.in_(ids),
                    TicketTransition.action.in_(
                        [TicketAction.QC_PASS, TicketAction.QC_FAIL, TicketAction.PARKED]
                    ),
                )
                .order_by(TicketTransition.created_at, TicketTransition.id)
            )
        )
        sessions = list(
            tx.execute(
                select(
                    WorkSession.ticket_id,
                    WorkSession.technician_id,
                    WorkSession.status,
                    WorkSession.active_seconds,
                    WorkSession.last_started_at,
                )
                .where(WorkSession.ticket_id.in_(ids))
                .order_by(WorkSession.started_at, WorkSession.id)
            )
        )
    people = {t.actor_id for t in transitions} | {s.technician_id for s in sessions}
    users = (
        {
            uid: display_name(first, last, username)
            for uid, username, first, last in tx.execute(
                select(User.id, User.username, User.first_name, User.last_name).where(
                    User.id.in_(people)
                )
            )
        }
        if people
        else {}
    )
    worked: dict[int, dict[int, int]] = {}
    now = int(tx.now.timestamp())
    for s in sessions:
        seconds = s.active_seconds or 0
        if s.status == WorkSessionStatus.RUNNING and s.last_started_at is not None:
            seconds += max(0, now - int(s.last_started_at.timestamp()))
        mine = worked.setdefault(s.ticket_id, {})
        mine[s.technician_id] = mine.get(s.technician_id, 0) + seconds
    repairs = []
    for ticket in tickets:
        own = [t for t in transitions if t.ticket_id == ticket.id]
        repairs.append(
            Repair(
                ticket=ticket,
                workers=tuple(
                    WorkerTime(tid, _name(users, tid), seconds)
                    for tid, seconds in worked.get(ticket.id, {}).items()
                ),
                qc=tuple(
                    QcOutcome(
                        t.action == TicketAction.QC_PASS,
                        t.note,
                        t.actor_id,
                        _name(users, t.actor_id),
                        t.created_at,
                    )
                    for t in own
                    if t.action != TicketAction.PARKED
                ),
                parked=tuple(
                    Parking(
                        str(t.meta.get("reason_label") or t.meta.get("reason") or "Parked"),
                        t.note,
                        t.actor_id,
                        _name(users, t.actor_id),
                        t.created_at,
                    )
                    for t in own
                    if t.action == TicketAction.PARKED
                ),
            )
        )
    return BikeHistory(bike, tuple(repairs))
