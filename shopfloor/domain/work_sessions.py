"""The work-session timer: start, pause, resume, stop, and its history.

Every timer event is an append-only row; ``active_seconds`` on the session is
a cache of the closed running intervals that must equal what the events say.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from .errors import NotFound, RuleViolation, TransitionNotAllowed, ValidationFailed
from .models import Ticket, User, WorkSession, WorkSessionEvent
from .rules import (
    WORK_SESSION_START_STATUSES,
    PauseReason,
    Permission,
    next_session_status,
    require,
)
from .shop import Rules, Tx, reads, writes
from .text import clean_text
from .tickets import lock_ticket, require_worker, start_ticket_in_tx
from .values import (
    OPEN_SESSION_STATUSES,
    UNSPECIFIED_PAUSE_REASON,
    TicketStatus,
    WorkSessionAction,
    WorkSessionStatus,
)
from .views import WorkSessionEventView, WorkSessionView
from .worktime import clipped_seconds, derive_worked_seconds, running_segments

_OPEN = [s.value for s in OPEN_SESSION_STATUSES]
MAX_REASON_NOTE = 500
UNSPECIFIED = PauseReason(UNSPECIFIED_PAUSE_REASON, "Unspecified")


def validate_pause_reason(
    rules: Rules, reason: Any, note: Any, *, default: str = UNSPECIFIED_PAUSE_REASON
) -> tuple[PauseReason, str]:
    """The shop's pause reason named by ``reason`` (``default`` when none is given) and the
    cleaned note; an unknown reason, or "other" without a note, is refused by name."""
    if note is not None and not isinstance(note, str):
        raise ValidationFailed("note must be text.", field="note")
    text = clean_text(note or "", "note").strip()
    if len(text) > MAX_REASON_NOTE:
        raise ValidationFailed(
            f"The note is longer than {MAX_REASON_NOTE} characters.", field="note"
        )
    if reason is None or reason == "":
        reason = default
    if not isinstance(reason, str):
        raise ValidationFailed("reason must be the code of a pause reason.", field="reason")
    code = reason.strip().lower()
    found = UNSPECIFIED if code == UNSPECIFIED_PAUSE_REASON else rules.pause_reason(code)
    if found is None:
        known = ", ".join(r.code for r in rules.pause_reasons)
        raise ValidationFailed(
            f"Unknown pause reason {code!r}; use one of: {known}.", field="reason"
        )
    if found.needs_note and not text:
        raise ValidationFailed(
            f"Pause reason {found.code!r} needs a note saying what it was.", field="note"
        )
    return found, text


def reason_metadata(reason: PauseReason, note: str) -> dict[str, Any]:
    """How a reason is kept on an event or transition (its label too, so history reads
    the same after the shop renames it)."""
    return {"reason": reason.code, "reason_label": reason.label, "note": note}


def session_view(ws: WorkSession, now: datetime) -> WorkSessionView:
    running = (
        int((now - ws.last_started_at).total_seconds())
        if ws.status == WorkSessionStatus.RUNNING and ws.last_started_at
        else 0
    )
    return WorkSessionView(
        id=ws.id,
        ticket=ws.ticket_id,
        technician=ws.technician_id,
        status=ws.status,
        started_at=ws.started_at,
        last_started_at=ws.last_started_at,
        ended_at=ws.ended_at,
        active_seconds=ws.active_seconds,
        created_at=ws.created_at,
        updated_at=ws.updated_at,
        worked_seconds=ws.active_seconds + max(0, running),
    )


def open_session(tx: Tx, ticket_id: int) -> WorkSession | None:
    return tx.session.scalar(
        select(WorkSession).where(WorkSession.ticket_id == ticket_id, WorkSession.status.in_(_OPEN))
    )


def _record(
    tx: Tx,
    ws: WorkSession,
    action: WorkSessionAction,
    to_status: WorkSessionStatus,
    actor: User,
    from_status: str | None,
    metadata: dict[str, Any] | None = None,
) -> None:
    tx.session.add(
        WorkSessionEvent(
            work_session_id=ws.id,
            ticket_id=ws.ticket_id,
            from_status=from_status,
            to_status=to_status.value,
            action=action.value,
            actor_id=actor.id,
            event_at=tx.now,
            meta=metadata or {},
            created_at=tx.now,
        )
    )
    ws.status = to_status.value
    ws.updated_at = tx.now


def _bank_running_time(tx: Tx, ws: WorkSession) -> None:
    """Add the interval that is ending now to the cached total."""
    if ws.status == WorkSessionStatus.RUNNING and ws.last_started_at is not None:
        ws.active_seconds += int((tx.now - ws.last_started_at).total_seconds())


def close_open_session(
    tx: Tx, actor: User, ticket: Ticket, *, reason: str, details: dict[str, Any] | None = None
) -> WorkSession | None:
    """Stop the ticket's open session, if any, recording why (sending to QC, parking)."""
    ws = open_session(tx, ticket.id)
    if ws is None:
        return None
    was = ws.status
    _bank_running_time(tx, ws)
    ws.ended_at = tx.now
    metadata = {"reason": reason, **(details or {})}
    _record(tx, ws, WorkSessionAction.STOPPED, WorkSessionStatus.STOPPED, actor, was, metadata)
    return ws


def _timer_target(tx: Tx, actor_id: int, ticket_id: int) -> tuple[User, Ticket, WorkSession | None]:
    actor = tx.actor(actor_id)
    require(actor.role_slugs, Permission.WORK)
    ticket = lock_ticket(tx, ticket_id)
    require_worker(actor, ticket)
    return actor, ticket, open_session(tx, ticket.id)


@writes
def start_work_session(tx: Tx, actor_id: int, ticket_id: int) -> WorkSessionView:
    """Start the timer; on an assigned or rework ticket this starts the ticket too."""
    actor, ticket, current = _timer_target(tx, actor_id, ticket_id)
    if TicketStatus(ticket.status) not in WORK_SESSION_START_STATUSES:
        raise TransitionNotAllowed(
            f"Cannot start the timer on ticket {ticket.id}: it is {ticket.status}; "
            "a timer runs only on an assigned, rework or in-progress ticket.",
            field="status",
        )
    to_status = next_session_status(
        WorkSessionAction.STARTED, WorkSessionStatus(current.status) if current else None, ticket.id
    )
    elsewhere = tx.session.scalar(
        select(WorkSession.ticket_id).where(
            WorkSession.technician_id == ticket.technician_id,
            WorkSession.status.in_(_OPEN),
        )
    )
    if elsewhere is not None:
        raise RuleViolation(
            f"The technician already has an open timer on ticket #{elsewhere}; "
            "stop it or send that ticket to QC first.",
            field="work_session",
            code="open_session_exists",
        )
    if ticket.status != TicketStatus.IN_PROGRESS:
        start_ticket_in_tx(tx, actor, ticket)
    assert ticket.technician_id is not None
    ws = WorkSession(
        ticket_id=ticket.id,
        technician_id=ticket.technician_id,
        status=to_status.value,
        started_at=tx.now,
        last_started_at=tx.now,
        ended_at=None,
        active_seconds=0,
        created_at=tx.now,
        updated_at=tx.now,
    )
    tx.session.add(ws)
    tx.session.flush()
    _record(tx, ws, WorkSessionAction.STARTED, to_status, actor, None)
    return session_view(ws, tx.now)


def _step(
    tx: Tx,
    actor_id: int,
    ticket_id: int,
    action: WorkSessionAction,
    metadata: dict[str, Any] | None = None,
) -> WorkSessionView:
    actor, ticket, ws = _timer_target(tx, actor_id, ticket_id)
    to_status = next_session_status(action, WorkSessionStatus(ws.status) if ws else None, ticket.id)
    assert ws is not None  # next_session_status refuses every action but start without one
    was = ws.status
    _bank_running_time(tx, ws)
    if to_status is WorkSessionStatus.RUNNING:
        ws.last_started_at = tx.now
    if to_status is WorkSessionStatus.STOPPED:
        ws.ended_at = tx.now
    _record(tx, ws, action, to_status, actor, was, metadata)
    return session_view(ws, tx.now)


@writes
def pause_work_session(
    tx: Tx, actor_id: int, ticket_id: int, reason: str | None = None, note: str | None = None
) -> WorkSessionView:
    """running -> paused, with one of the shop's pause reasons (none given: ``unspecified``);
    the interval so far is banked."""
    why, text = validate_pause_reason(tx.rules(), reason, note)
    return _step(tx, actor_id, ticket_id, WorkSessionAction.PAUSED, reason_metadata(why, text))


@writes
def resume_work_session(tx: Tx, actor_id: int, ticket_id: int) -> WorkSessionView:
    """paused -> running."""
    return _step(tx, actor_id, ticket_id, WorkSessionAction.RESUMED)


@writes
def stop_work_session(tx: Tx, actor_id: int, ticket_id: int) -> WorkSessionView:
    """running/paused -> stopped; the ticket stays in progress."""
    return _step(tx, actor_id, ticket_id, WorkSessionAction.STOPPED)


@reads
def timer_rules(tx: Tx) -> Rules:
    """The shop's rules, for screens that offer its pause reasons and show its shift."""
    return tx.rules()


@reads
def work_session_history(tx: Tx, ticket_id: int) -> list[WorkSessionEventView]:
    """Every timer event of the ticket, newest first."""
    if tx.session.get(Ticket, ticket_id) is None:
        raise NotFound(f"No ticket with id {ticket_id}.", field="ticket_id")
    rows = tx.session.execute(
        select(WorkSessionEvent, User.username, User.first_name, User.last_name)
        .join(User, User.id == WorkSessionEvent.actor_id)
        .where(WorkSessionEvent.ticket_id == ticket_id)
        .order_by(WorkSessionEvent.event_at.desc(), WorkSessionEvent.id.desc())
    )
    return [
        WorkSessionEventView(
            id=e.id,
            work_session=e.work_session_id,
            ticket=e.ticket_id,
            from_status=e.from_status,
            to_status=e.to_status,
            action=e.action,
            actor=e.actor_id,
            actor_name=" ".join(p for p in (first, last) if p) or username,
            event_at=e.event_at,
            metadata=dict(e.meta),
            created_at=e.created_at,
        )
        for e, username, first, last in rows
    ]


@reads
def current_work_session(tx: Tx, ticket_id: int) -> WorkSessionView | None:
    """The ticket's open (running or paused) session, if there is one."""
    ws = open_session(tx, ticket_id)
    return session_view(ws, tx.now) if ws else None


@reads
def open_session_of(tx: Tx, technician_id: int) -> WorkSessionView | None:
    """The technician's open session on any ticket, if there is one."""
    ws = tx.session.scalar(
        select(WorkSession).where(
            WorkSession.technician_id == technician_id, WorkSession.status.in_(_OPEN)
        )
    )
    return session_view(ws, tx.now) if ws else None


@reads
def list_work_sessions(tx: Tx, ticket_id: int) -> list[WorkSessionView]:
    """The ticket's sessions, oldest first."""
    rows = tx.session.scalars(
        select(WorkSession).where(WorkSession.ticket_id == ticket_id).order_by(WorkSession.id)
    )
    return [session_view(ws, tx.now) for ws in rows]


@reads
def derived_worked_seconds(tx: Tx, work_session_id: int) -> int:
    """A session's worked seconds recomputed from its events alone (the audit's truth)."""
    events = tx.session.scalars(
        select(WorkSessionEvent)
        .where(WorkSessionEvent.work_session_id == work_session_id)
        .order_by(WorkSessionEvent.event_at, WorkSessionEvent.id)
    ).all()
    if not events:
        raise NotFound(f"No work session with id {work_session_id}.", field="work_session_id")
    return derive_worked_seconds(events, tx.now)


@reads
def worked_seconds_since(tx: Tx, technician_id: int, since: datetime) -> int:
    """Seconds the technician's timers ran between ``since`` and now, from the events."""
    seg = running_segments(tx.now, since).subquery("segments")
    total = tx.session.scalar(
        select(
            func.coalesce(func.sum(clipped_seconds(seg.c.seg_start, seg.c.seg_end, since)), 0)
        ).where(seg.c.technician_id == technician_id)
    )
    return int(total or 0)
