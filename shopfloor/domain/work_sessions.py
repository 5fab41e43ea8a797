"""The work-session timer: start, pause, resume, stop, and its history.

Every timer event is an append-only row; ``active_seconds`` on the session is a cache
of the closed running intervals that must equal what the events say, and so are the
ticket's ``worked_seconds`` and ``running_since`` (see :mod:`.rollups`). A timer action
locks the ticket first (``tx.lock``, which checks the caller), then reads its open
session (:mod:`.sql.timers`) and saves the session and the ticket as they become.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select

from . import rollups
from .errors import NotFound, RuleViolation, TransitionNotAllowed, ValidationFailed
from .models import WorkSession, WorkSessionEvent, WorkshopRules
from .rules import (
    ONE_OPEN_TIMER_PER_TECHNICIAN,
    WORK_SESSION_START_STATUSES,
    PauseReason,
    Permission,
    Rules,
    next_session_status,
    pause_reasons_to_json,
)
from .shop import Actor, Tx, reads, writes
from .sql import from_row
from .sql import tickets as ticket_sql
from .sql import timers as sql
from .sql.caller import name_of
from .sql.tickets import TicketRow, ticket_row
from .sql.timers import SessionRow, session_row
from .text import clean_text
from .values import (
    AWAY_PAUSE_LABEL,
    AWAY_PAUSE_REASON,
    UNSPECIFIED_PAUSE_REASON,
    StopCause,
    TicketStatus,
    WorkSessionAction,
    WorkSessionStatus,
)
from .views import WorkSessionEventView, WorkSessionView
from .workflow import no_ticket, require_worker, start_ticket_in_tx
from .worktime import (
    clipped_seconds,
    derive_worked_seconds,
    local_day_start,
    next_shift_end,
    running_segments,
    shop_zone,
)

MAX_REASON_NOTE = 500
UNSPECIFIED = PauseReason(UNSPECIFIED_PAUSE_REASON, "Unspecified")
# Time away: the technician paused to log out (or quit). Never counted against the pause
# budget and never resumed by it: nobody is at the bench, so no time is booked as work.
AWAY = PauseReason(AWAY_PAUSE_REASON, AWAY_PAUSE_LABEL, counts=False)
RESERVED_PAUSE_REASONS = {UNSPECIFIED_PAUSE_REASON: UNSPECIFIED, AWAY_PAUSE_REASON: AWAY}


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
    found = RESERVED_PAUSE_REASONS.get(code) or rules.pause_reason(code)
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


def session_view(ws: SessionRow, now: datetime) -> WorkSessionView:
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


# --- the timer's moves (inside a use case, with the ticket locked) ----------------------------


@dataclass
class Timer:
    """A ticket's timer within one transaction: the locked ticket and its open session,
    each as saved so far (``session`` None: no open one)."""

    ticket: TicketRow
    session: SessionRow | None


def _bank(tx: Tx, timer: Timer, at: datetime) -> None:
    """End the running interval at ``at``: its seconds join the session's and the ticket's
    worked time, and the days it spans."""
    ws = timer.session
    if ws is None or ws.status != WorkSessionStatus.RUNNING or ws.last_started_at is None:
        return
    seconds = int((at - ws.last_started_at).total_seconds())
    timer.session = tx.save(ws, active_seconds=ws.active_seconds + seconds)
    timer.ticket = tx.save(timer.ticket, worked_seconds=timer.ticket.worked_seconds + seconds)
    tx.days.ran(ws.last_started_at, at, ws.technician_id)


def _record(
    tx: Tx,
    timer: Timer,
    action: WorkSessionAction,
    to_status: WorkSessionStatus,
    actor_id: int,
    metadata: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> None:
    """Append the event (at ``at``, default now) and move the session to ``to_status``:
    a pause ending counts on its days, an interval starting runs on the ticket."""
    ws = timer.session
    assert ws is not None
    at = at or tx.now
    meta = metadata or {}
    from_status = None if action is WorkSessionAction.STARTED else ws.status
    tx.insert(
        WorkSessionEvent,
        {
            "work_session_id": ws.id,
            "ticket_id": ws.ticket_id,
            "from_status": from_status,
            "to_status": to_status.value,
            "action": action.value,
            "actor_id": actor_id,
            "event_at": at,
            "metadata": meta,
            "created_at": tx.now,
        },
        in_order=True,
    )
    if from_status == WorkSessionStatus.PAUSED:
        why = ws.pause_reason or UNSPECIFIED_PAUSE_REASON
        tx.days.paused_for(ws.updated_at, at, ws.technician_id, why)
    running = to_status is WorkSessionStatus.RUNNING
    paused = to_status is WorkSessionStatus.PAUSED
    timer.session = tx.save(
        ws,
        status=to_status.value,
        updated_at=at,
        last_started_at=at if running else ws.last_started_at,
        ended_at=at if to_status is WorkSessionStatus.STOPPED else ws.ended_at,
        pause_reason=str(meta.get("reason") or UNSPECIFIED_PAUSE_REASON) if paused else None,
    )
    timer.ticket = tx.save(timer.ticket, running_since=at if running else None)


def _stop(tx: Tx, timer: Timer, actor_id: int, metadata: dict[str, Any], at: datetime) -> None:
    """Bank what ran and stop the session at ``at``."""
    _bank(tx, timer, at)
    _record(
        tx, timer, WorkSessionAction.STOPPED, WorkSessionStatus.STOPPED, actor_id, metadata, at=at
    )


def _open_session(tx: Tx, ticket_id: int) -> SessionRow | None:
    row = tx.execute(sql.OPEN_OF_TICKET, {"ticket_id": ticket_id}).mappings().first()
    return None if row is None else session_row(row)


def close_open_timer(
    tx: Tx, ticket: TicketRow, *, reason: str, details: dict[str, Any] | None = None
) -> Timer:
    """Stop the locked ticket's open session, if any, recording why (sending to QC,
    parking); the timer as it then is (``session`` None when none was open)."""
    timer = Timer(ticket, _open_session(tx, ticket.id))
    if timer.session is None:
        return timer
    _stop(tx, timer, tx.acting.id, {"reason": reason, **(details or {})}, tx.now)
    return timer


@dataclass
class _Target:
    """What a timer action acts on, read under the ticket's lock."""

    actor: Actor
    timer: Timer
    elsewhere: list[SessionRow]  # the technician's open ones on other tickets (to start)
    busy: int | None  # another ticket of the technician's in progress (to start)


def _timer_target(tx: Tx, actor_id: int, ticket_id: int, *, to_start: bool = False) -> _Target:
    """The actor, the locked ticket and its open session; ``to_start`` asks, in the same
    statements, what starting needs to know too."""
    found = tx.lock(
        ticket_sql.LOCK_TO_START if to_start else ticket_sql.LOCK,
        {"ticket_id": ticket_id},
        actor=actor_id,
        permission=Permission.WORK,
        missing=no_ticket(ticket_id),
    )
    ticket = ticket_row(found)
    actor = tx.acting
    require_worker(actor, ticket)
    if to_start:
        params = {"ticket_id": ticket.id, "technician_id": ticket.technician_id}
        rows = tx.execute(sql.OPEN_OF_TICKET_OR_TECHNICIAN, params).mappings()
        sessions = [session_row(r) for r in rows]
    else:
        own = _open_session(tx, ticket.id)
        sessions = [] if own is None else [own]
    # The pause budget is not settled here: a resume at the budget's end is made only by
    # the technician's own terminal, live (see settle_pause_budget), never back-dated.
    timer = Timer(ticket, next((w for w in sessions if w.ticket_id == ticket.id), None))
    elsewhere = [w for w in sessions if w.ticket_id != ticket.id]
    return _Target(actor, timer, elsewhere, found.get("busy_ticket"))


@writes
def start_work_session(tx: Tx, actor_id: int, ticket_id: int) -> WorkSessionView:
    """Start the timer; on an assigned or rework ticket this starts the ticket too."""
    target = _timer_target(tx, actor_id, ticket_id, to_start=True)
    timer = target.timer
    ticket = timer.ticket
    if TicketStatus(ticket.status) not in WORK_SESSION_START_STATUSES:
        raise TransitionNotAllowed(
            f"Cannot start the timer on ticket {ticket.id}: it is {ticket.status}; "
            "a timer runs only on an assigned, rework or in-progress ticket.",
            field="status",
        )
    current = timer.session
    to_status = next_session_status(
        WorkSessionAction.STARTED, WorkSessionStatus(current.status) if current else None, ticket.id
    )
    if target.elsewhere:
        raise ONE_OPEN_TIMER_PER_TECHNICIAN.refused(ticket=target.elsewhere[0].ticket_id)
    assert ticket.technician_id is not None
    values: dict[str, Any] = {
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
    }
    timer.session = SessionRow(id=tx.insert_for_id(WorkSession, values), **values)
    _record(tx, timer, WorkSessionAction.STARTED, to_status, target.actor.id)
    # The ticket's status and its running interval go out in one UPDATE with the event.
    if ticket.status != TicketStatus.IN_PROGRESS:
        timer.ticket = start_ticket_in_tx(tx, target.actor, timer.ticket, target.busy)
    return session_view(timer.session, tx.now)


def _step(
    tx: Tx,
    actor_id: int,
    ticket_id: int,
    action: WorkSessionAction,
    *,
    reason: Any = None,
    note: Any = None,
) -> WorkSessionView:
    target = _timer_target(tx, actor_id, ticket_id)
    metadata = None
    if action is WorkSessionAction.PAUSED:
        # One of the shop's reasons (its rules came with the lock).
        why, text = validate_pause_reason(tx.rules(), reason, note)
        metadata = reason_metadata(why, text)
    timer = target.timer
    ws = timer.session
    if action is WorkSessionAction.PAUSED and ws is not None and metadata is not None:
        _refuse_pause_without_budget(tx, ws, metadata)
    to_status = next_session_status(
        action, WorkSessionStatus(ws.status) if ws else None, timer.ticket.id
    )
    assert ws is not None  # next_session_status refuses every action but start without one
    _bank(tx, timer, tx.now)
    _record(tx, timer, action, to_status, target.actor.id, metadata)
    assert timer.session is not None
    return session_view(timer.session, tx.now)


@writes
def pause_work_session(
    tx: Tx, actor_id: int, ticket_id: int, reason: str | None = None, note: str | None = None
) -> WorkSessionView:
    """running -> paused, with one of the shop's pause reasons (none given: ``unspecified``;
    ``away`` when the technician logs out: never counted, never resumed by the budget);
    the interval so far is banked."""
    return _step(tx, actor_id, ticket_id, WorkSessionAction.PAUSED, reason=reason, note=note)


@writes
def pause_for_time_away(tx: Tx, actor_id: int, ticket_id: int) -> WorkSessionView | None:
    """The technician logs out (or quits): their open timer becomes time away.

    A running timer pauses with reason ``away``; a paused one is re-labelled ``away``
    from now on (an event from paused to paused: the pause so far keeps its reason, the
    rest is time away, which never counts against the budget and is never resumed by
    it). ``None`` when there is no open timer or it is away already.
    """
    target = _timer_target(tx, actor_id, ticket_id)
    timer = target.timer
    ws = timer.session
    if ws is None or (
        ws.status == WorkSessionStatus.PAUSED and ws.pause_reason == AWAY_PAUSE_REASON
    ):
        return None
    metadata = reason_metadata(AWAY, "")
    if ws.status == WorkSessionStatus.PAUSED:
        metadata["was"] = ws.pause_reason or UNSPECIFIED_PAUSE_REASON
    _bank(tx, timer, tx.now)
    _record(
        tx, timer, WorkSessionAction.PAUSED, WorkSessionStatus.PAUSED, target.actor.id, metadata
    )
    assert timer.session is not None
    return session_view(timer.session, tx.now)


@writes
def resume_work_session(tx: Tx, actor_id: int, ticket_id: int) -> WorkSessionView:
    """paused -> running."""
    return _step(tx, actor_id, ticket_id, WorkSessionAction.RESUMED)


@writes
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
    IANA name such as ``Europe/Prague``. The rules row is written through the ORM
    session (a cold table).
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
            if not r.code.isidentifier() or r.code in RESERVED_PAUSE_REASONS:
                raise ValidationFailed(
                    f"Pause reason code {r.code!r} must be one word of letters, digits and _ "
                    f"(and not {' or '.join(map(repr, RESERVED_PAUSE_REASONS))}).",
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
            tx.flush()
            rollups.rebuild_days(tx.conn, time_zone)
    tx.flush()
    tx.forget_rules()
    return tx.rules()


@reads
def timer_rules(tx: Tx) -> Rules:
    """The shop's rules, for screens that offer its pause reasons and show its shift."""
    tx.authorise(None)
    return tx.rules()


# --- reading ----------------------------------------------------------------------------------


@reads
def work_session_history(tx: Tx, ticket_id: int) -> list[WorkSessionEventView]:
    """Every timer event of the ticket, newest first."""
    rows = tx.read(sql.HISTORY, {"ticket_id": ticket_id}, missing=no_ticket(ticket_id))
    return [
        from_row(WorkSessionEventView, e, actor_name=name_of(e, "actor"))
        for e in rows
        if e["id"] is not None
    ]


def _first_session(tx: Tx, statement: Any, params: dict[str, Any]) -> WorkSessionView | None:
    rows = tx.read(statement, params)
    return session_view(session_row(rows[0]), tx.now) if rows else None


@reads
def current_work_session(tx: Tx, ticket_id: int) -> WorkSessionView | None:
    """The ticket's open (running or paused) session, if there is one."""
    return _first_session(tx, sql.OPEN_FOR_TICKET, {"ticket_id": ticket_id})


@reads
def open_session_of(tx: Tx, technician_id: int) -> WorkSessionView | None:
    """The technician's open session on any ticket, if there is one."""
    return _first_session(tx, sql.OPEN_FOR_TECHNICIAN, {"technician_id": technician_id})


@reads
def list_work_sessions(tx: Tx, ticket_id: int) -> list[WorkSessionView]:
    """The ticket's sessions, oldest first."""
    rows = tx.read(sql.OF_TICKET, {"ticket_id": ticket_id})
    return [session_view(session_row(row), tx.now) for row in rows]


@reads
def derived_worked_seconds(tx: Tx, work_session_id: int) -> int:
    """A session's worked seconds recomputed from its events alone (the audit's truth)."""
    events = tx.read(
        sql.EVENTS_OF_SESSION,
        {"work_session_id": work_session_id},
        missing=lambda: NotFound(
            f"No work session with id {work_session_id}.", field="work_session_id"
        ),
    )
    return derive_worked_seconds((_Event(e["to_status"], e["event_at"]) for e in events), tx.now)


@dataclass(frozen=True)
class _Event:
    to_status: str
    event_at: datetime


@reads
def worked_seconds_today(tx: Tx, technician_id: int) -> int:
    """Seconds the technician's timers ran since the start of the shop's local day."""
    tx.authorise(None)
    since = local_day_start(tx.now, tx.rules().time_zone)
    return _worked_since(tx, technician_id, since)


@reads
def worked_seconds_since(tx: Tx, technician_id: int, since: datetime) -> int:
    """Seconds the technician's timers ran between ``since`` and now, from the events."""
    tx.authorise(None)
    return _worked_since(tx, technician_id, since)


def _worked_since(tx: Tx, technician_id: int, since: datetime) -> int:
    seg = running_segments(tx.now, since).subquery("segments")
    total = tx.scalar(
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


class StopBasis(StrEnum):
    """Which moment a forgotten timer is stopped at."""

    SHIFT_END = "shift_end"  # it was left past the shift's end: work ended there
    LAST_ACTIVITY = "last_activity"  # its last event: nothing after it says anyone worked
    NOW = "now"  # asked for explicitly (``--at now``)


STOP_BASIS_PHRASES: dict[StopBasis, str] = {
    StopBasis.SHIFT_END: "the shift's end",
    StopBasis.LAST_ACTIVITY: "its last activity",
    StopBasis.NOW: "now",
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
    stop_at: datetime  # the shift's end when it ran past it, else its last activity (or now)
    stop_basis: StopBasis

    @property
    def why(self) -> str:
        return "; ".join(STALE_PHRASES[c] for c in self.causes)

    @property
    def stops_where(self) -> str:
        """Which moment the timer is (or would be) stopped at, in words."""
        return STOP_BASIS_PHRASES[self.stop_basis]


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
    tx: Tx,
    ws: SessionRow,
    ticket_status: str,
    ticket_technician: int | None,
    older_than: timedelta | None,
    at_now: bool = False,
) -> tuple[tuple[StaleCause, ...], datetime, StopBasis]:
    """Why the open session looks forgotten, and where it would stop: at the shift's end
    when it was left past it, else at its last event (nothing after it says anyone was at
    the bench, so a night is never booked), or at now when ``at_now`` asks so."""
    view = session_view(ws, tx.now)
    causes: list[StaleCause] = []
    stop_at, basis = ws.updated_at, StopBasis.LAST_ACTIVITY
    if at_now:
        stop_at, basis = tx.now, StopBasis.NOW
    end = shift_end_passed(tx.rules(), view, tx.now)
    if end is not None:
        causes.append(StaleCause.PAST_SHIFT_END)
        if not at_now:
            stop_at, basis = end, StopBasis.SHIFT_END
    if ticket_status != TicketStatus.IN_PROGRESS:
        causes.append(StaleCause.TICKET_NOT_IN_PROGRESS)
    if ticket_technician != ws.technician_id:
        causes.append(StaleCause.OTHER_TECHNICIAN)
    if older_than is not None and tx.now - ws.updated_at >= older_than:
        causes.append(StaleCause.IDLE)
    return tuple(causes), stop_at, basis


def _find_stale(tx: Tx, older_than: timedelta | None, at_now: bool = False) -> list[StaleTimer]:
    found = []
    for row in tx.execute(sql.OPEN_WITH_TICKETS).mappings():
        ws = session_row(row)
        causes, stop_at, basis = _stale(
            tx, ws, row["ticket_status"], row["ticket_technician_id"], older_than, at_now
        )
        if causes:
            found.append(
                StaleTimer(
                    session_view(ws, tx.now),
                    ws.ticket_id,
                    row["bike_code"],
                    name_of(row, "tech") or "",
                    row["ticket_status"],
                    ws.updated_at,
                    causes,
                    stop_at,
                    basis,
                )
            )
    return found


def _stop_automatically(
    tx: Tx,
    timer: Timer,
    at: datetime,
    cause: StopCause,
    message: str,
    *,
    automatic: bool = True,
    **extra: Any,
) -> None:
    """Stop the open session at ``at`` (never before its last event) with an event saying
    why. The technician is the event's actor: the timer was theirs; ``automatic`` says
    that nobody pressed the key (False: the technician answered)."""
    ws = timer.session
    assert ws is not None
    metadata = {"automatic": automatic, "reason": cause.value, "message": message, **extra}
    _stop(tx, timer, ws.technician_id, metadata, max(at, ws.updated_at))


@reads
def stale_timers(
    tx: Tx, actor_id: int | None, older_than: timedelta | None = None, *, at_now: bool = False
) -> list[StaleTimer]:
    """Open timers left past the shift's end, on a ticket no longer in progress or with
    another technician, or (with ``older_than``) untouched for that long; each with the
    moment :func:`stop_stale_timers` would stop it at."""
    tx.authorise(actor_id, Permission.ASSIGN)
    return _find_stale(tx, older_than, at_now)


@writes
def stop_stale_timers(
    tx: Tx, actor_id: int | None, older_than: timedelta | None = None, *, at_now: bool = False
) -> list[StaleTimer]:
    """Stop every stale timer (see :func:`stale_timers`), each with an event saying why:
    one left past the shift's end at the shift's end, any other at its last activity
    (its last event), so a timer forgotten overnight books no night; ``at_now`` stops
    them now instead."""
    tx.authorise(actor_id, Permission.ASSIGN)
    stopped = []
    for candidate in _find_stale(tx, older_than, at_now):
        found = tx.lock(
            ticket_sql.LOCK, {"ticket_id": candidate.ticket}, missing=no_ticket(candidate.ticket)
        )
        row = tx.execute(sql.ONE, {"work_session_id": candidate.session.id}).mappings().one()
        timer = Timer(ticket_row(found), session_row(row))
        assert timer.session is not None
        if timer.session.status not in (WorkSessionStatus.RUNNING, WorkSessionStatus.PAUSED):
            continue  # stopped meanwhile
        ws = timer.session
        causes, stop_at, basis = _stale(
            tx, ws, timer.ticket.status, timer.ticket.technician_id, older_than, at_now
        )
        if not causes:
            continue
        why = "; ".join(STALE_PHRASES[c] for c in causes)
        _stop_automatically(
            tx,
            timer,
            stop_at,
            StopCause.STALE,
            f"stopped by `shopfloor timers stale --stop` at {STOP_BASIS_PHRASES[basis]}: {why}",
            causes=[c.value for c in causes],
            stopped_at=basis.value,
        )
        stopped.append(candidate)
    return stopped


@writes
def stop_at_shift_end(
    tx: Tx, actor_id: int, ticket_id: int, *, answered_no: bool = False
) -> WorkSessionView | None:
    """Stop the ticket's open timer at the shift's end: nobody answered "still working?",
    or (``answered_no``) the technician answered no, which the event records as theirs.

    ``None`` when there is nothing to stop (already stopped, or touched since the
    shift ended, e.g. on another terminal).
    """
    timer = _timer_target(tx, actor_id, ticket_id).timer
    if timer.session is None:
        return None
    rules = tx.rules()
    end = shift_end_passed(rules, session_view(timer.session, tx.now), tx.now)
    if end is None:
        return None
    local = end.astimezone(shop_zone(rules.time_zone)).strftime("%H:%M")
    if answered_no:
        who = tx.acting.name or "the technician"
        _stop_automatically(
            tx,
            timer,
            end,
            StopCause.SHIFT_END,
            f"{who} answered no to 'still working?', so it stopped at the shift's end ({local})",
            automatic=False,
            answer="no",
            answered_by=tx.acting.id,
        )
    else:
        _stop_automatically(
            tx,
            timer,
            end,
            StopCause.SHIFT_END,
            f"nobody answered 'still working?', so it stopped at the shift's end ({local})",
        )
    assert timer.session is not None
    return session_view(timer.session, tx.now)


# --- the daily pause budget -------------------------------------------------------------------

BUDGET_USED_UP = "pause_budget_used_up"
# How late after the budget ran out the technician's terminal may still resume the timer:
# a terminal that shows My work reads it every second or two. Later than this, nobody was
# watching (logged out, locked, terminal off), so the pause stays a pause.
BUDGET_RESUME_GRACE = timedelta(seconds=30)


@dataclass(frozen=True)
class PauseBudget:
    """A technician's pause minutes today (shop's local day); breaks and time away do not
    count."""

    technician: int
    budget_seconds: int
    used_seconds: int  # counted pause time today, up to now
    ran_out_today: bool  # a pause was cut short by the budget today, or it is used up now
    # While a counted pause is open: when it runs (or ran) out of today's budget.
    runs_out_at: datetime | None = None

    @property
    def left_seconds(self) -> int:
        return max(0, self.budget_seconds - self.used_seconds)


def _counts(rules: Rules, meta: dict[str, Any]) -> bool:
    code = str(meta.get("reason", ""))
    if code == AWAY_PAUSE_REASON:
        return False
    reason = rules.pause_reason(code)
    return reason.counts if reason is not None else True  # unspecified counts


def _technician_events(
    tx: Tx, technician_ids: Sequence[int], since: datetime
) -> dict[int, list[Any]]:
    """Per technician, the events of their sessions open or ended since ``since`` (the
    events this step recorded so far count too: they are sent before the read)."""
    rows = tx.execute(sql.technician_events(technician_ids, since)).all()
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
    return PauseBudget(technician_id, budget, used, ran_out, runs_out_at), runs_out_at


def _pause_budget(tx: Tx, technician_id: int) -> tuple[PauseBudget, datetime | None]:
    """Today's budget, and when the open counted pause (if any) runs out of it."""
    rules = tx.rules()
    day_start = local_day_start(tx.now, rules.time_zone)
    events = _technician_events(tx, [technician_id], day_start)[technician_id]
    return _budget_from(rules, technician_id, day_start, tx.now, events)


def _settle_budget(tx: Tx, timer: Timer) -> bool:
    """Resume a paused session whose technician's pause budget has just run out, now
    (never back-dated), with an event saying so. Only within :data:`BUDGET_RESUME_GRACE`
    of that moment: later, nobody was at the terminal to see it, and resuming would book
    time away as work. Call with the ticket locked. True when it resumed."""
    ws = timer.session
    if ws is None or ws.status != WorkSessionStatus.PAUSED:
        return False
    _, runs_out_at = _pause_budget(tx, ws.technician_id)
    if runs_out_at is None or not runs_out_at <= tx.now <= runs_out_at + BUDGET_RESUME_GRACE:
        return False
    minutes = tx.rules().pause_budget_minutes
    _record(
        tx,
        timer,
        WorkSessionAction.RESUMED,
        WorkSessionStatus.RUNNING,
        ws.technician_id,
        {
            "automatic": True,
            "reason": BUDGET_USED_UP,
            "message": f"the daily pause budget ({minutes} min) was used up, so work resumed",
        },
    )
    return True


def _refuse_pause_without_budget(tx: Tx, ws: SessionRow, metadata: dict[str, Any]) -> None:
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
    tx.authorise(None)
    return _pause_budget(tx, technician_id)[0]


@writes
def settle_pause_budget(tx: Tx, technician_id: int) -> WorkSessionView | None:
    """Resume the technician's paused timer when their pause budget has just run out.

    Only the technician's own terminal calls this, while it shows their work (logged in,
    not locked), at the moment the budget runs out; so a timer is resumed only for
    someone at the terminal, and at that moment (see :func:`_settle_budget`). Time away
    (``away``) and breaks never count, so they never resume. The resumed session, if any.
    """
    paused = tx.read(sql.PAUSED_FOR_TECHNICIAN, {"technician_id": technician_id})
    if not paused:
        return None
    ticket_id = paused[0]["ticket_id"]
    found = tx.lock(ticket_sql.LOCK, {"ticket_id": ticket_id}, missing=no_ticket(ticket_id))
    # Read again under the lock: another terminal may have moved it meanwhile.
    row = tx.execute(sql.ONE, {"work_session_id": paused[0]["id"]}).mappings().one()
    timer = Timer(ticket_row(found), session_row(row))
    if not _settle_budget(tx, timer):
        return None
    assert timer.session is not None
    return session_view(timer.session, tx.now)
