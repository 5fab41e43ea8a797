"""The work-session timer: start, pause, resume, stop, and its history.

Every timer event is an append-only row; ``active_seconds`` on the session is
a cache of the closed running intervals that must equal what the events say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, func, or_, select

from . import rollups
from .batch import insert_later, insert_row, write_pending
from .errors import NotFound, RuleViolation, TransitionNotAllowed, ValidationFailed
from .models import (
    Bike,
    Ticket,
    User,
    WorkSession,
    WorkSessionEvent,
    WorkshopRules,
    session_is_open,
)
from .rules import (
    WORK_SESSION_START_STATUSES,
    PauseReason,
    Permission,
    next_session_status,
    pause_reasons_to_json,
)
from .shop import Rules, Tx, reads, writes
from .text import clean_text
from .values import (
    OPEN_SESSION_STATUSES,
    UNSPECIFIED_PAUSE_REASON,
    StopCause,
    TicketStatus,
    WorkSessionAction,
    WorkSessionStatus,
)
from .views import WorkSessionEventView, WorkSessionView
from .workflow import (
    act_on_ticket,
    lock_ticket,
    require_worker,
    start_ticket_in_tx,
)
from .worktime import (
    clipped_seconds,
    derive_worked_seconds,
    local_day_start,
    next_shift_end,
    running_segments,
    shop_zone,
)

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


# Open sessions, read after the ticket's lock (built once: see :mod:`.workflow`).
_OPEN_FOR_TICKET = select(WorkSession).where(
    WorkSession.ticket_id == bindparam("ticket_id"), WorkSession.status.in_(_OPEN)
)
_OPEN_FOR_TICKET_OR_TECHNICIAN = select(WorkSession).where(
    WorkSession.status.in_(_OPEN),
    or_(
        WorkSession.ticket_id == bindparam("ticket_id"),
        WorkSession.technician_id == bindparam("technician_id"),
    ),
)


def open_session(tx: Tx, ticket_id: int) -> WorkSession | None:
    return tx.session.scalar(_OPEN_FOR_TICKET, {"ticket_id": ticket_id})


def _record(
    tx: Tx,
    ws: WorkSession,
    action: WorkSessionAction,
    to_status: WorkSessionStatus,
    actor: User | int,
    from_status: str | None,
    metadata: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> None:
    """Append the event (at ``at``, default now) and move the session to ``to_status``."""
    rollups.on_timer_event(
        tx, ws, from_status, to_status.value, at or tx.now, (metadata or {}).get("reason")
    )
    insert_later(
        tx.session,
        WorkSessionEvent,
        {
            "work_session_id": ws.id,
            "ticket_id": ws.ticket_id,
            "from_status": from_status,
            "to_status": to_status.value,
            "action": action.value,
            "actor_id": actor if isinstance(actor, int) else actor.id,
            "event_at": at or tx.now,
            "metadata": metadata or {},
            "created_at": tx.now,
        },
        in_order=True,
    )
    ws.status = to_status.value
    ws.updated_at = at or tx.now


def _bank_running_time(tx: Tx, ws: WorkSession, at: datetime | None = None) -> None:
    """Add the interval that is ending now (or at ``at``) to the cached total."""
    if ws.status == WorkSessionStatus.RUNNING and ws.last_started_at is not None:
        ws.active_seconds += int(((at or tx.now) - ws.last_started_at).total_seconds())
        rollups.on_banked(tx, ws, ws.last_started_at, at or tx.now)


def close_open_session(
    tx: Tx, actor: User, ticket: Ticket, *, reason: str, details: dict[str, Any] | None = None
) -> WorkSession | None:
    """Stop the ticket's open session, if any, recording why (sending to QC, parking)."""
    ws = open_session(tx, ticket.id)
    if ws is None:
        return None
    _enforce_pause_budget(tx, ws)
    was = ws.status
    _bank_running_time(tx, ws)
    ws.ended_at = tx.now
    metadata = {"reason": reason, **(details or {})}
    _record(tx, ws, WorkSessionAction.STOPPED, WorkSessionStatus.STOPPED, actor, was, metadata)
    return ws


@dataclass
class _Target:
    """What a timer action acts on, read under the ticket's lock."""

    actor: User
    ticket: Ticket
    session: WorkSession | None  # the ticket's open one
    budget_resumed: bool  # settling the pause budget just resumed it
    elsewhere: list[WorkSession]  # the technician's open ones on other tickets (to start)
    busy: int | None  # another ticket of the technician's in progress (to start)


def _timer_target(tx: Tx, actor_id: int, ticket_id: int, *, to_start: bool = False) -> _Target:
    """The actor, the locked ticket and its open session with its pause budget settled;
    ``to_start`` asks, in the same statements, what starting needs to know too."""
    acting = act_on_ticket(tx, actor_id, Permission.WORK, ticket_id, to_start=to_start)
    actor, ticket, busy = acting.actor, acting.ticket, acting.busy
    require_worker(actor, ticket)
    # Read after the lock: whatever the lock's previous holder did to the timer is seen.
    stmt = _OPEN_FOR_TICKET_OR_TECHNICIAN if to_start else _OPEN_FOR_TICKET
    params = {"ticket_id": ticket.id, "technician_id": ticket.technician_id}
    found = tx.session.scalars(stmt, params).all()
    ws = next((w for w in found if w.ticket_id == ticket.id), None)
    # The budget is settled lazily: by whatever touches the session first.
    resumed = ws is not None and _enforce_pause_budget(tx, ws)
    elsewhere = [w for w in found if w.ticket_id != ticket.id]
    return _Target(actor, ticket, ws, resumed, elsewhere, busy)


@writes(folds_caller=True)
def start_work_session(tx: Tx, actor_id: int, ticket_id: int) -> WorkSessionView:
    """Start the timer; on an assigned or rework ticket this starts the ticket too."""
    target = _timer_target(tx, actor_id, ticket_id, to_start=True)
    actor, ticket, current = target.actor, target.ticket, target.session
    if TicketStatus(ticket.status) not in WORK_SESSION_START_STATUSES:
        raise TransitionNotAllowed(
            f"Cannot start the timer on ticket {ticket.id}: it is {ticket.status}; "
            "a timer runs only on an assigned, rework or in-progress ticket.",
            field="status",
        )
    to_status = next_session_status(
        WorkSessionAction.STARTED, WorkSessionStatus(current.status) if current else None, ticket.id
    )
    if target.elsewhere:
        raise RuleViolation(
            "The technician already has an open timer on ticket "
            f"#{target.elsewhere[0].ticket_id}; "
            "stop it or send that ticket to QC first.",
            field="work_session",
            code="open_session_exists",
        )
    assert ticket.technician_id is not None
    ws = insert_row(
        tx.session,
        WorkSession,
        {
            "ticket_id": ticket.id,
            "technician_id": ticket.technician_id,
            "status": to_status.value,
            "started_at": tx.now,
            "last_started_at": tx.now,
            "ended_at": None,
            "active_seconds": 0,
            "pause_reason": None,  # as the start event leaves it, so the row is written once
            "created_at": tx.now,
            "updated_at": tx.now,
        },
    )
    _record(tx, ws, WorkSessionAction.STARTED, to_status, actor, None)
    # The ticket's status and its running interval go out in one UPDATE when the
    # transaction flushes, after the timer's event.
    if ticket.status != TicketStatus.IN_PROGRESS:
        start_ticket_in_tx(tx, actor, ticket, target.busy)
    return session_view(ws, tx.now)


def _step(
    tx: Tx,
    actor_id: int,
    ticket_id: int,
    action: WorkSessionAction,
    metadata: dict[str, Any] | None = None,
) -> WorkSessionView:
    target = _timer_target(tx, actor_id, ticket_id)
    actor, ticket, ws = target.actor, target.ticket, target.session
    if target.budget_resumed and action is WorkSessionAction.RESUMED:
        assert ws is not None
        return session_view(ws, tx.now)  # it already resumed when the budget ran out
    if action is WorkSessionAction.PAUSED and ws is not None and metadata is not None:
        _refuse_pause_without_budget(tx, ws, metadata)
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


@writes(folds_caller=True)
def pause_work_session(
    tx: Tx, actor_id: int, ticket_id: int, reason: str | None = None, note: str | None = None
) -> WorkSessionView:
    """running -> paused, with one of the shop's pause reasons (none given: ``unspecified``);
    the interval so far is banked."""
    why, text = validate_pause_reason(tx.rules(), reason, note)
    return _step(tx, actor_id, ticket_id, WorkSessionAction.PAUSED, reason_metadata(why, text))


@writes(folds_caller=True)
def resume_work_session(tx: Tx, actor_id: int, ticket_id: int) -> WorkSessionView:
    """paused -> running."""
    return _step(tx, actor_id, ticket_id, WorkSessionAction.RESUMED)


@writes(folds_caller=True)
def stop_work_session(tx: Tx, actor_id: int, ticket_id: int) -> WorkSessionView:
    """running/paused -> stopped; the ticket stays in progress."""
    return _step(tx, actor_id, ticket_id, WorkSessionAction.STOPPED)


_KEEP: Any = object()


@writes
def set_timer_rules(
    tx: Tx,
    actor_id: int | None,
    *,
    pause_reasons: Sequence[PauseReason] | None = None,
    pause_budget_minutes: int | None = None,
    shift_end: str | None = _KEEP,
    time_zone: str | None = None,
) -> Rules:
    """Change the shop's timer rules; what is not given stays as it is.

    ``shift_end`` is local "HH:MM" (``None`` or "" removes it); ``time_zone`` an
    IANA name such as ``Europe/Prague``.
    """
    tx.authorise(actor_id, Permission.EDIT_TIMER_RULES)
    row = tx.session.get_one(WorkshopRules, 1)
    if pause_reasons is not None:
        codes = [r.code for r in pause_reasons]
        if not codes or len(set(codes)) != len(codes) or len(codes) > 9:
            raise ValidationFailed(
                "Give 1 to 9 pause reasons with different codes.", field="pause_reasons"
            )
        for r in pause_reasons:
            if not r.code.isidentifier() or r.code == UNSPECIFIED_PAUSE_REASON:
                raise ValidationFailed(
                    f"Pause reason code {r.code!r} must be one word of letters, digits and _ "
                    f"(and not {UNSPECIFIED_PAUSE_REASON!r}).",
                    field="pause_reasons",
                )
        row.pause_reasons = pause_reasons_to_json(pause_reasons)
    if pause_budget_minutes is not None:
        if not 0 <= pause_budget_minutes <= 24 * 60:
            raise ValidationFailed(
                "The pause budget is 0 to 1440 minutes a day.", field="pause_budget_minutes"
            )
        row.pause_budget_minutes = pause_budget_minutes
    if shift_end is not _KEEP:
        if shift_end:
            try:
                parsed = time.fromisoformat(shift_end)
            except ValueError:
                raise ValidationFailed(
                    f"Shift end {shift_end!r} is not a time; write it as HH:MM, e.g. 20:00.",
                    field="shift_end",
                ) from None
            row.shift_end = parsed.strftime("%H:%M")
        else:
            row.shift_end = None
    if time_zone is not None:
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed(
                f"Unknown time zone {time_zone!r}; use a name like Europe/Prague or UTC.",
                field="time_zone",
            ) from None
        if row.time_zone != time_zone:
            row.time_zone = time_zone
            # The daily rollups were cut at the old zone's midnights.
            tx.session.flush()
            rollups.rebuild_days(tx.session.connection(), time_zone)
    tx.session.flush()
    tx.forget_rules()
    return tx.rules()


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
def worked_seconds_today(tx: Tx, technician_id: int) -> int:
    """Seconds the technician's timers ran since the start of the shop's local day."""
    since = local_day_start(tx.now, tx.rules().time_zone)
    return _worked_since(tx, technician_id, since)


@reads
def worked_seconds_since(tx: Tx, technician_id: int, since: datetime) -> int:
    """Seconds the technician's timers ran between ``since`` and now, from the events."""
    return _worked_since(tx, technician_id, since)


def _worked_since(tx: Tx, technician_id: int, since: datetime) -> int:
    seg = running_segments(tx.now, since).subquery("segments")
    total = tx.session.scalar(
        select(
            func.coalesce(func.sum(clipped_seconds(seg.c.seg_start, seg.c.seg_end, since)), 0)
        ).where(seg.c.technician_id == technician_id)
    )
    return int(total or 0)


# --- no forgotten timer -----------------------------------------------------------------------


class StaleCause(StrEnum):
    """Why an open timer is taken to be forgotten."""

    PAST_SHIFT_END = "past_shift_end"
    TICKET_NOT_IN_PROGRESS = "ticket_not_in_progress"
    OTHER_TECHNICIAN = "other_technician"
    IDLE = "idle"  # untouched for longer than ``--older-than``


STALE_PHRASES: dict[StaleCause, str] = {
    StaleCause.PAST_SHIFT_END: "left open past the end of the shift",
    StaleCause.TICKET_NOT_IN_PROGRESS: "its ticket is no longer in progress",
    StaleCause.OTHER_TECHNICIAN: "its ticket now belongs to another technician",
    StaleCause.IDLE: "untouched for too long",
}


@dataclass(frozen=True)
class StaleTimer:
    """An open timer that nobody seems to be working under, and why."""

    session: WorkSessionView
    ticket: int
    bike_code: str
    technician_name: str
    ticket_status: str
    last_event_at: datetime
    causes: tuple[StaleCause, ...]
    stop_at: datetime  # the shift's end when it ran past it, else now

    @property
    def why(self) -> str:
        return "; ".join(STALE_PHRASES[c] for c in self.causes)


def shift_end_passed(rules: Rules, session: WorkSessionView, now: datetime) -> datetime | None:
    """The end of the shift an open session was left running through untouched, if that
    moment has passed ("still working?"); the timer is stopped there, not at a later one."""
    if session.status not in (WorkSessionStatus.RUNNING, WorkSessionStatus.PAUSED):
        return None
    end = next_shift_end(session.updated_at, rules.shift_end, rules.time_zone)
    if end is None or end > now:
        return None
    return end


def _stale(
    tx: Tx, rules: Rules, ws: WorkSession, ticket: Ticket, older_than: timedelta | None
) -> tuple[tuple[StaleCause, ...], datetime]:
    view = session_view(ws, tx.now)
    causes: list[StaleCause] = []
    stop_at = tx.now
    end = shift_end_passed(rules, view, tx.now)
    if end is not None:
        causes.append(StaleCause.PAST_SHIFT_END)
        stop_at = end
    if ticket.status != TicketStatus.IN_PROGRESS:
        causes.append(StaleCause.TICKET_NOT_IN_PROGRESS)
    if ticket.technician_id != ws.technician_id:
        causes.append(StaleCause.OTHER_TECHNICIAN)
    if older_than is not None and tx.now - ws.updated_at >= older_than:
        causes.append(StaleCause.IDLE)
    return tuple(causes), stop_at


def _find_stale(tx: Tx, older_than: timedelta | None) -> list[StaleTimer]:
    rules = tx.rules()
    rows = tx.session.execute(
        select(WorkSession, Ticket, Bike.bike_code, User)
        .join(Ticket, Ticket.id == WorkSession.ticket_id)
        .join(Bike, Bike.id == Ticket.bike_id)
        .join(User, User.id == WorkSession.technician_id)
        .where(WorkSession.status.in_(_OPEN))
        .order_by(WorkSession.id)
    ).all()
    found = []
    for ws, ticket, bike_code, tech in rows:
        causes, stop_at = _stale(tx, rules, ws, ticket, older_than)
        if causes:
            found.append(
                StaleTimer(
                    session_view(ws, tx.now),
                    ticket.id,
                    bike_code,
                    tech.full_name,
                    ticket.status,
                    ws.updated_at,
                    causes,
                    stop_at,
                )
            )
    return found


def _stop_automatically(
    tx: Tx, ws: WorkSession, at: datetime, cause: StopCause, message: str, **extra: Any
) -> None:
    """Stop ``ws`` at ``at`` (never before its last event) with an event saying it was automatic.

    The technician is the event's actor: the timer was theirs, the metadata says
    that nobody pressed the key.
    """
    at = max(at, ws.updated_at)
    was = ws.status
    _bank_running_time(tx, ws, at)
    ws.ended_at = at
    metadata = {"automatic": True, "reason": cause.value, "message": message, **extra}
    _record(
        tx,
        ws,
        WorkSessionAction.STOPPED,
        WorkSessionStatus.STOPPED,
        ws.technician_id,
        was,
        metadata,
        at=at,
    )


@reads
def stale_timers(
    tx: Tx, actor_id: int | None, older_than: timedelta | None = None
) -> list[StaleTimer]:
    """Open timers left past the shift's end, on a ticket no longer in progress or with
    another technician, or (with ``older_than``) untouched for that long."""
    tx.authorise(actor_id, Permission.ASSIGN)
    return _find_stale(tx, older_than)


@writes
def stop_stale_timers(
    tx: Tx, actor_id: int | None, older_than: timedelta | None = None
) -> list[StaleTimer]:
    """Stop every stale timer (see :func:`stale_timers`), each with an event saying why;
    one left past the shift's end is stopped at the shift's end."""
    tx.authorise(actor_id, Permission.ASSIGN)
    stopped = []
    for candidate in _find_stale(tx, older_than):
        lock_ticket(tx, candidate.ticket)
        ws = tx.session.get_one(WorkSession, candidate.session.id, populate_existing=True)
        ticket = tx.session.get_one(Ticket, candidate.ticket)
        if ws.status not in _OPEN:
            continue  # stopped meanwhile
        _enforce_pause_budget(tx, ws)
        causes, stop_at = _stale(tx, tx.rules(), ws, ticket, older_than)
        if not causes:
            continue
        why = "; ".join(STALE_PHRASES[c] for c in causes)
        _stop_automatically(
            tx,
            ws,
            stop_at,
            StopCause.STALE,
            f"stopped by `shopfloor timers stale --stop`: {why}",
            causes=[c.value for c in causes],
        )
        stopped.append(candidate)
    return stopped


@writes
def stop_at_shift_end(tx: Tx, actor_id: int, ticket_id: int) -> WorkSessionView | None:
    """Nobody answered "still working?": stop the ticket's open timer at the shift's end.

    ``None`` when there is nothing to stop (already stopped, or touched since the
    shift ended, e.g. on another terminal).
    """
    ws = _timer_target(tx, actor_id, ticket_id).session
    if ws is None:
        return None
    rules = tx.rules()
    end = shift_end_passed(rules, session_view(ws, tx.now), tx.now)
    if end is None:
        return None
    local = end.astimezone(shop_zone(rules.time_zone)).strftime("%H:%M")
    _stop_automatically(
        tx,
        ws,
        end,
        StopCause.SHIFT_END,
        f"nobody answered 'still working?', so it stopped at the shift's end ({local})",
    )
    return session_view(ws, tx.now)


# --- the daily pause budget -------------------------------------------------------------------

BUDGET_USED_UP = "pause_budget_used_up"


@dataclass(frozen=True)
class PauseBudget:
    """A technician's pause minutes today (shop's local day); breaks do not count."""

    technician: int
    budget_seconds: int
    used_seconds: int  # counted pause time today, up to now
    ran_out_today: bool  # a pause was cut short by the budget today, or it is used up now

    @property
    def left_seconds(self) -> int:
        return max(0, self.budget_seconds - self.used_seconds)


def _counts(rules: Rules, meta: dict[str, Any]) -> bool:
    reason = rules.pause_reason(str(meta.get("reason", "")))
    return reason.counts if reason is not None else True  # unspecified counts


def _sessions_since(technician_ids: Sequence[int], since: datetime) -> Any:
    """The technicians' sessions still open or ended since ``since``: two index ranges
    (an OR of the two would read every session they ever had). One technician's is a
    range of (technician, ended_at); several technicians' of ended_at alone."""
    ended = select(WorkSession.id).where(
        WorkSession.technician_id.in_(technician_ids), WorkSession.ended_at >= since
    )
    still_open = select(WorkSession.id).where(
        WorkSession.technician_id.in_(technician_ids), session_is_open()
    )
    return ended.union_all(still_open)


def _technician_events(
    tx: Tx, technician_ids: Sequence[int], since: datetime
) -> dict[int, list[Any]]:
    """Per technician, the events of their sessions open or ended since ``since``, in
    order within each session: one statement for any number of technicians."""
    write_pending(tx.session)  # the events this step has recorded so far count too
    rows = tx.session.execute(
        select(
            WorkSession.technician_id,
            WorkSessionEvent.work_session_id,
            WorkSessionEvent.event_at,
            WorkSessionEvent.to_status,
            WorkSessionEvent.meta.label("meta"),
        )
        .join(WorkSession, WorkSession.id == WorkSessionEvent.work_session_id)
        .where(WorkSessionEvent.work_session_id.in_(_sessions_since(technician_ids, since)))
        .order_by(WorkSessionEvent.work_session_id, WorkSessionEvent.event_at, WorkSessionEvent.id)
    ).all()
    events: dict[int, list[Any]] = {tid: [] for tid in technician_ids}
    for row in rows:
        events[row.technician_id].append(row)
    return events


def _budget_from(
    rules: Rules, technician_id: int, day_start: datetime, now: datetime, events: list[Any]
) -> tuple[PauseBudget, datetime | None]:
    """Today's budget from the technician's events (see :func:`_technician_events`), and
    when the open counted pause (if any) runs out of it."""
    budget = rules.pause_budget_minutes * 60
    used = 0
    cut_short = False
    open_pause_start: datetime | None = None
    for i, event in enumerate(events):
        following = events[i + 1] if i + 1 < len(events) else None
        if event.meta.get("reason") == BUDGET_USED_UP and event.event_at >= day_start:
            cut_short = True
        if event.to_status != WorkSessionStatus.PAUSED or not _counts(rules, event.meta):
            continue
        start = max(event.event_at, day_start)
        same_session = following is not None and following.work_session_id == event.work_session_id
        if same_session:
            assert following is not None
            used += max(0, int((following.event_at - start).total_seconds()))
        else:
            open_pause_start = start  # still paused: counted up to now, below
    runs_out_at = None
    if open_pause_start is not None:
        left_at_start = max(0, budget - used)
        used += max(0, int((now - open_pause_start).total_seconds()))
        runs_out_at = open_pause_start + timedelta(seconds=left_at_start)
    ran_out = (
        cut_short or (budget > 0 and used >= budget) or (budget == 0 and runs_out_at is not None)
    )
    return PauseBudget(technician_id, budget, used, ran_out), runs_out_at


def _pause_budget(tx: Tx, technician_id: int) -> tuple[PauseBudget, datetime | None]:
    """Today's budget, and when the open counted pause (if any) runs out of it."""
    rules = tx.rules()
    day_start = local_day_start(tx.now, rules.time_zone)
    events = _technician_events(tx, [technician_id], day_start)[technician_id]
    return _budget_from(rules, technician_id, day_start, tx.now, events)


def _enforce_pause_budget(tx: Tx, ws: WorkSession) -> bool:
    """Resume a paused session whose technician's pause budget ran out (at that moment),
    with an event saying so. Call with the ticket locked. True when it resumed."""
    if ws.status != WorkSessionStatus.PAUSED:
        return False
    _, runs_out_at = _pause_budget(tx, ws.technician_id)
    if runs_out_at is None or runs_out_at > tx.now:
        return False
    at = max(runs_out_at, ws.updated_at)
    minutes = tx.rules().pause_budget_minutes
    ws.last_started_at = at
    _record(
        tx,
        ws,
        WorkSessionAction.RESUMED,
        WorkSessionStatus.RUNNING,
        ws.technician_id,
        WorkSessionStatus.PAUSED.value,
        {
            "automatic": True,
            "reason": BUDGET_USED_UP,
            "message": f"the daily pause budget ({minutes} min) was used up, so work resumed",
        },
        at=at,
    )
    return True


def _refuse_pause_without_budget(tx: Tx, ws: WorkSession, metadata: dict[str, Any]) -> None:
    """A counted pause needs budget left today; a break always may be taken."""
    rules = tx.rules()
    if not _counts(rules, metadata) or rules.pause_budget_minutes == 0:
        return
    budget, _ = _pause_budget(tx, ws.technician_id)
    if budget.left_seconds == 0:
        breaks = ", ".join(r.code for r in rules.pause_reasons if not r.counts)
        hint = f"pause with reason {breaks} for a break, or stop" if breaks else "stop"
        raise RuleViolation(
            f"Today's pause budget ({rules.pause_budget_minutes} min) is used up; {hint} "
            "the timer instead.",
            field="reason",
            code="pause_budget_used_up",
        )


def pause_budget_today(tx: Tx, technician_id: int) -> PauseBudget:
    """The technician's pause budget today (the shop's local day), inside a transaction."""
    return _pause_budget(tx, technician_id)[0]


def pause_budgets_today(tx: Tx, technician_ids: Sequence[int]) -> dict[int, PauseBudget]:
    """Each technician's pause budget today, inside a transaction, in one statement."""
    if not technician_ids:
        return {}
    rules = tx.rules()
    day_start = local_day_start(tx.now, rules.time_zone)
    events = _technician_events(tx, technician_ids, day_start)
    return {
        tid: _budget_from(rules, tid, day_start, tx.now, events[tid])[0] for tid in technician_ids
    }


@reads
def pause_budget(tx: Tx, technician_id: int) -> PauseBudget:
    """The technician's pause budget today (the shop's local day)."""
    return _pause_budget(tx, technician_id)[0]


@writes
def settle_pause_budget(tx: Tx, technician_id: int) -> WorkSessionView | None:
    """Resume the technician's paused timer if their pause budget has run out (the TUI
    calls this on refresh; every timer action does it too). The resumed session, if any."""
    ws = tx.session.scalar(
        select(WorkSession).where(
            WorkSession.technician_id == technician_id,
            WorkSession.status == WorkSessionStatus.PAUSED,
        )
    )
    if ws is None:
        return None
    lock_ticket(tx, ws.ticket_id)
    tx.session.refresh(ws)
    return session_view(ws, tx.now) if _enforce_pause_budget(tx, ws) else None
