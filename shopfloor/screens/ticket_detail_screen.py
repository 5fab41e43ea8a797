"""Ticket detail (everyone): fields, checklist, time totals and one timeline of its history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual.containers import Horizontal, VerticalScroll
from textual.markup import escape
from textual.widgets import Static

from .. import keys
from ..domain import (
    Shop,
    TicketView,
    TransitionView,
    WorkSessionEventView,
    WorkSessionView,
    get_ticket,
    list_work_sessions,
    ticket_transitions,
    work_session_history,
)
from ..domain.values import UNSPECIFIED_PAUSE_REASON
from ..widgets.checklist import ChecklistView
from ..widgets.formatting import hm, hms, local_time, status_label
from .base import ShopScreen
from .tasks_dialog import TasksDialog, may_tick


@dataclass(frozen=True)
class TicketFile:
    """Everything the detail screen shows, read together."""

    ticket: TicketView
    transitions: tuple[TransitionView, ...]
    events: tuple[WorkSessionEventView, ...]
    sessions: tuple[WorkSessionView, ...]


def read_ticket_file(shop: Shop, ticket_id: int) -> TicketFile:
    """The ticket with its transitions, timer events and sessions (runs in a worker)."""
    return TicketFile(
        get_ticket(shop, ticket_id),
        tuple(ticket_transitions(shop, ticket_id)),
        tuple(work_session_history(shop, ticket_id)),
        tuple(list_work_sessions(shop, ticket_id)),
    )


TRANSITION_WORDS = {
    "created": "taken in",
    "assigned": "assigned",
    "started": "started",
    "to_waiting_qc": "sent to QC",
    "qc_pass": "QC passed",
    "qc_fail": "QC failed",
    "parked": "parked",
    "review_approved": "approved in review",
}
TIMER_WORDS = {
    "started": "timer started",
    "paused": "timer paused",
    "resumed": "timer resumed",
    "stopped": "timer stopped",
}


def transition_line(t: TransitionView) -> str:
    """One ticket transition in words, with its XP or new-bike details and note."""
    what = TRANSITION_WORDS.get(t.action, t.action)
    extra = ""
    if t.action == "qc_pass":
        meta = t.metadata
        kind = "first pass" if meta.get("first_pass") else "after rework"
        extra = f" ({kind}, +{meta.get('xp_base', 0)}+{meta.get('xp_bonus', 0)} XP)"
    elif t.action == "parked":
        wanted = t.metadata.get("part")
        part = f", for {t.metadata.get('quantity', 1)} x {wanted}" if wanted else ""
        extra = f" ({t.metadata.get('reason_label', 'on hold')}{part})"
    elif t.action == "qc_fail" and t.metadata.get("failed_tasks"):
        # The tasks QC named, by their numbers on the checklist.
        named = zip(
            t.metadata["failed_tasks"], t.metadata.get("failed_task_names", []), strict=False
        )
        extra = " (" + "; ".join(f"{i + 1}. {name}" for i, name in named) + ")"
    elif t.action == "assigned" and t.technician_name:
        # Both sides of an assignment: who got the ticket, and (below) who gave it.
        what = "reassigned" if t.metadata.get("previous_technician_id") else "assigned"
        extra = f" to {t.technician_name}"
    elif t.action == "created" and t.metadata.get("bike_created_during_intake"):
        extra = f" (new bike: {t.metadata.get('bike_creation_reason')})"
    note = f" — {t.note}" if t.note else ""
    return f"{what}{extra} by {t.actor_name}{note}"


def timer_line(e: WorkSessionEventView) -> str:
    """One timer event in words, with why it paused or stopped (and if it was automatic)."""
    meta = e.metadata
    if meta.get("automatic"):
        return f"{TIMER_WORDS.get(e.action, e.action)} automatically: {meta.get('message', '')}"
    if meta.get("answer"):  # the technician answered "still working?"
        return f"{TIMER_WORDS.get(e.action, e.action)}: {meta.get('message', '')}"
    if meta.get("reason") == "sent_to_qc":
        why = " (sent to QC)"
    elif meta.get("reason_label") and meta.get("reason") != UNSPECIFIED_PAUSE_REASON:
        note = f" — {meta['note']}" if meta.get("note") else ""
        why = f" ({meta['reason_label']}{note})"
    else:
        why = ""
    return f"{TIMER_WORDS.get(e.action, e.action)}{why} by {e.actor_name}"


def timeline(file: TicketFile) -> list[tuple[datetime, str]]:
    """Transitions and timer events merged, oldest first.

    Within one second, ticket transitions come before timer events and each
    kind keeps its own insertion order (ids grow with time).
    """
    rows: list[tuple[datetime, int, int, str]] = [
        (t.created_at, 0, t.id, transition_line(t)) for t in file.transitions
    ]
    rows += [(e.event_at, 1, e.id, "· " + timer_line(e)) for e in file.events]
    return [(at, text) for at, _, _, text in sorted(rows, key=lambda r: r[:3])]


def parts_line(t: TicketView) -> str:
    """A ticket taken in by parts: its parts with colour and minutes, the flag colour and
    XP they give (an admin's override marked); nothing for a ticket without parts."""
    if not t.ticket_parts and not t.is_manual:
        return ""
    parts = "; ".join(
        f"{p['part_name']} {p['color']} {p['minutes']}m"
        + (f" ({p['comment']})" if p["comment"] else "")
        for p in t.ticket_parts
    )
    manual = " (set by hand)" if t.is_manual else ""
    listed = f"Parts: {escape(parts)} = {t.total_duration} min · " if parts else ""
    return f"\n{listed}flag {t.flag_color} · XP {t.xp_amount}{manual}"


class TicketDetailScreen(ShopScreen):
    """One ticket, read-only; escape goes back to where it was opened."""

    TITLE = "Ticket"
    BINDINGS = [*keys.TICKET_DETAIL, *keys.TICKET_DETAIL_HISTORY]

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.file: TicketFile | None = None

    def compose_body(self) -> Iterable[Any]:
        yield Static("Loading…", id="detail-fields")
        with Horizontal(id="detail-body"):
            with VerticalScroll(id="detail-left", can_focus=True):
                yield Static("Checklist", classes="section-title")
                yield ChecklistView("", id="detail-checklist")
            with VerticalScroll(id="detail-right", can_focus=True):
                yield Static("History", classes="section-title")
                yield Static("", id="detail-timeline", markup=False)
                yield Static("Work sessions", classes="section-title")
                yield Static("", id="detail-sessions", markup=False)

    def on_mount(self) -> None:
        self.query_one("#detail-left").focus()

    def refresh_data(self) -> None:
        self.call(read_ticket_file, self.ticket_id, done=self._show, exclusive=True, group="detail")

    def _show(self, file: TicketFile) -> None:
        self.file = file
        t = file.ticket
        tz = self.shop_app.tz
        srt = t.srt_total_minutes * 60
        over = t.worked_seconds - srt
        balance = f"{hm(over)} over SRT" if over > 0 else f"{hm(-over)} left of SRT"
        fails = f" · failed QC {t.qc_fail_count} time(s)" if t.qc_fail_count else ""
        parked = f" · {escape(t.parked_reason.lower())}" if t.parked_reason else ""
        self.query_one("#detail-fields", Static).update(
            f"[b]#{t.id} {escape(t.bike_code)}[/b] — {escape(t.title)} · "
            f"[b]{status_label(t.status)}[/b]{parked}{fails}\n"
            f"SRT {t.srt_total_minutes} min, approved {local_time(t.srt_approved_at, tz)} · "
            f"worked {hms(t.worked_seconds)} · {balance}\n"
            f"Master {escape(t.master_name)} · technician {escape(t.technician_name or '-')} · "
            f"created {local_time(t.created_at, tz)} · started {local_time(t.started_at, tz)} · "
            f"done {local_time(t.done_at, tz)}" + parts_line(t)
        )
        self.query_one("#detail-checklist", ChecklistView).show_ticket(t)
        lines = [f"{local_time(at, tz)} {text}" for at, text in timeline(file)]
        self.query_one("#detail-timeline", Static).update("\n".join(lines) or "-")
        sessions = [
            f"#{s.id} {status_label(s.status):<8} {local_time(s.started_at, tz)} → "
            f"{local_time(s.ended_at, tz, '%H:%M') if s.ended_at else 'open'}  "
            f"{hms(s.worked_seconds)}"
            for s in file.sessions
        ]
        total = sum(s.worked_seconds for s in file.sessions)
        sessions.append(f"Total {hms(total)} in {len(file.sessions)} session(s)")
        self.query_one("#detail-sessions", Static).update("\n".join(sessions))

        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "tasks":
            ticket = self.file.ticket if self.file else None
            return True if may_tick(ticket, self.me) else None
        return True

    def why_not(self, action: str) -> str:
        if action == "tasks" and self.file is not None:
            t = self.file.ticket
            if t.technician != self.me:
                return f"#{t.id}'s tasks are ticked by its technician."
            return f"#{t.id} is {status_label(t.status)}: tasks are ticked while it is worked on."
        return ""

    def action_tasks(self) -> None:
        if self.file is not None:
            ticket = self.file.ticket
            self.app.push_screen(TasksDialog(ticket, self.me), lambda _: self.refresh_data())

    def action_close(self) -> None:
        self.dismiss()

    def action_bike_history(self) -> None:
        """Every ticket of this ticket's bike (its own screen; escape comes back here)."""
        from .bike_history_screen import BikeHistoryScreen  # it opens tickets: this module

        if self.file is not None:
            self.app.push_screen(BikeHistoryScreen(self.file.ticket.bike))
