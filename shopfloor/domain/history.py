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

from .bikes import bike_view, get_bike_row
from .models import Ticket, TicketTransition, User, WorkSession
from .shop import Tx, reads
from .tickets import ticket_view_in_tx
from .values import TicketAction, WorkSessionStatus
from .views import BikeView, TicketView


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


def _name(user: User | None, uid: int) -> str:
    return user.full_name if user is not None else f"user {uid}"


@reads
def bike_history(tx: Tx, actor_id: int | None, bike_id: int) -> BikeHistory:
    """Every ticket of the bike, newest first, with its workers' time, QC outcomes and
    parkings. Anyone who may log in may read it."""
    if actor_id is not None:
        tx.actor(actor_id)
    bike = get_bike_row(tx, bike_id)
    tickets = list(
        tx.session.scalars(
            select(Ticket)
            .where(Ticket.bike_id == bike.id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        )
    )
    ids = [t.id for t in tickets]
    transitions: list[TicketTransition] = []
    sessions: list[Any] = []
    if ids:
        transitions = list(
            tx.session.scalars(
                select(TicketTransition)
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
            tx.session.execute(
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
    people = {t.master_id for t in tickets} | {t.technician_id for t in tickets if t.technician_id}
    people |= {t.actor_id for t in transitions} | {s.technician_id for s in sessions}
    users = (
        {u.id: u for u in tx.session.scalars(select(User).where(User.id.in_(people)))}
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
                ticket=ticket_view_in_tx(tx, ticket),
                workers=tuple(
                    WorkerTime(tid, _name(users.get(tid), tid), seconds)
                    for tid, seconds in worked.get(ticket.id, {}).items()
                ),
                qc=tuple(
                    QcOutcome(
                        t.action == TicketAction.QC_PASS,
                        t.note,
                        t.actor_id,
                        _name(users.get(t.actor_id), t.actor_id),
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
                        _name(users.get(t.actor_id), t.actor_id),
                        t.created_at,
                    )
                    for t in own
                    if t.action == TicketAction.PARKED
                ),
            )
        )
    return BikeHistory(bike_view(bike), tuple(repairs))
