"""Technician: my tickets, the big timer, start / pause / resume / stop / send to QC,
the ticket's checklist, my time today and my XP."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Label, Static

from .. import keys
from ..domain import (
    DomainError,
    Page,
    PauseBudget,
    PauseReason,
    Rules,
    Shop,
    TicketAction,
    TicketStatus,
    TicketView,
    WorkSessionView,
    get_ticket,
    list_parts,
    list_tickets,
    open_session_of,
    park_ticket,
    pause_budget,
    pause_work_session,
    resume_work_session,
    send_to_qc,
    settle_pause_budget,
    start_work_session,
    stop_at_shift_end,
    stop_work_session,
    ticket_actions_for,
    timer_rules,
    work_session_history,
    worked_seconds_today,
    xp_total,
)
from ..domain.rules import PARK_DEFAULT_REASON, STILL_WORKING_GRACE, may_start_timer
from ..domain.views import PartView
from ..domain.work_sessions import BUDGET_USED_UP, shift_end_passed
from ..domain.worktime import shop_zone
from ..widgets.checklist import ChecklistView, tasks_to_fix
from ..widgets.formatting import hm, hms, srt_alarm, srt_vs_worked, ticket_status
from ..widgets.ticket_pager import Column, TicketPager
from ..widgets.timer import WorkTimer
from .dialogs import ConfirmDialog, Dialog, TextDialog
from .paged import PagedTicketsScreen
from .part_dialogs import WantedPart, WantedPartDialog
from .tasks_dialog import TasksDialog, may_tick

MY_STATUSES = ("in_progress", "rework", "assigned", "waiting_qc")
PER_PAGE = 50


@dataclass(frozen=True)
class MyDay:
    """The technician's open timer, time today and XP, read together."""

    session: WorkSessionView | None
    session_ticket: TicketView | None
    worked_today: int
    xp: int
    read_at: datetime
    rules: Rules
    budget: PauseBudget
    # The open session's latest event when the pause budget resumed it; the screen says so
    # once per event, whichever read (this screen's, another terminal's) did the resuming.
    budget_resume_event: int | None
    pause_label: str = ""  # why the open timer is paused (e.g. "Logged out"), if it is


def read_my_day(shop: Shop, technician_id: int, settle: bool = True) -> MyDay:
    """Everything the timer panel shows (runs in a worker). A paused timer whose pause
    budget has just run out is resumed first: this terminal shows the technician's work,
    so they are at it (the domain records that it was automatic, and resumes only at
    that moment, never for a pause that ran out while nobody watched). ``settle`` False:
    the terminal is locked, so nobody is there to see it."""
    budget = pause_budget(shop, technician_id)
    if settle and budget.left_seconds == 0 and settle_pause_budget(shop, technician_id) is not None:
        budget = pause_budget(shop, technician_id)
    read_at = shop.clock.now()
    session = open_session_of(shop, technician_id)
    ticket = get_ticket(shop, session.ticket) if session else None
    resume_event = None
    pause_label = ""
    if session is not None and session.status == "running" and budget.ran_out_today:
        latest = work_session_history(shop, session.ticket)[0]
        if latest.metadata.get("reason") == BUDGET_USED_UP:
            resume_event = latest.id
    elif session is not None and session.status == "paused":
        latest = work_session_history(shop, session.ticket)[0]
        pause_label = str(latest.metadata.get("reason_label") or "")
    return MyDay(
        session,
        ticket,
        worked_seconds_today(shop, technician_id),
        xp_total(shop, technician_id),
        read_at,
        timer_rules(shop),
        budget,
        resume_event,
        pause_label,
    )


class ReasonDialog(Dialog[PauseReason]):
    """The shop's pause reasons, numbered: one digit picks, escape cancels."""

    BINDINGS = keys.PICK_NUMBER

    def __init__(
        self, question: str, reasons: tuple[PauseReason, ...], *, scan_note: str = ""
    ) -> None:
        super().__init__(scan_note=scan_note)
        self.question = question
        self.reasons = reasons[:9]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title", markup=False)
            lines = [f"{n}  {r.label}" for n, r in enumerate(self.reasons, start=1)]
            yield Static("\n".join(lines), classes="dialog-detail", markup=False)
            yield Static("1-9 = pick   escape = cancel", classes="dialog-hint")
        yield Footer()

    def action_pick(self, number: int) -> None:
        if 1 <= number <= len(self.reasons):
            self.dismiss(self.reasons[number - 1])

    def action_cancel(self) -> None:
        self.dismiss(None)


def is_rework(ticket: TicketView) -> bool:
    return ticket.status == TicketStatus.REWORK


def qc_note_text(ticket: TicketView) -> str:
    """The latest QC note in words (an inspector may have failed it without one, via the API)."""
    return f"QC said: {ticket.latest_qc_note}" if ticket.latest_qc_note else "QC left no note."


def status_with_qc_note(ticket: TicketView) -> str:
    """The status, and on a rework ticket what QC asked to fix (the tasks it named)."""
    label = ticket_status(ticket)
    if not is_rework(ticket):
        return label
    failed = tasks_to_fix(ticket)
    named = f"{len(failed)} task(s) failed" if failed else ""
    return f"{label}: {'; '.join(x for x in (named, ticket.latest_qc_note) if x) or 'no note'}"


class TechnicianScreen(PagedTicketsScreen):
    """What a technician looks at all day."""

    TITLE = "My work"
    BINDINGS = keys.TECHNICIAN

    def __init__(self) -> None:
        super().__init__()
        self.day: MyDay | None = None
        self._told_budget_event: int | None = None
        # "Still working?" at the shift's end: the end asked about, its dialog, and an end
        # the technician said yes to (asked once per shift end).
        self._asked_for: datetime | None = None
        self._still_working: ConfirmDialog | None = None
        self._nobody_answered = False
        # The moment the open pause runs out of the budget that this screen asked the
        # domain about (once each: the read that follows shows what it did).
        self._settle_asked: datetime | None = None
        self._placed = False  # the highlight went to the running ticket once

    def compose_body(self) -> Iterable[Any]:
        with Horizontal(id="tech-top"):
            yield WorkTimer(self.shop.clock, id="work-timer")
            with Vertical(id="tech-summary"):
                yield Static("", id="today")
                yield Static("", id="xp")
                yield Static("", id="pauses")
        with Horizontal(id="tech-main"):
            yield TicketPager(
                [
                    Column("#", lambda t: str(t.id), 3, fit=True),
                    Column("Bike", lambda t: t.bike_code, 7, fit=True),
                    Column("Title", lambda t: t.title, 6, grow=3, wrap=True),
                    Column("Status", status_with_qc_note, 8, grow=2, wrap=True),
                    Column("Worked/SRT", srt_vs_worked, 10, fit=True, marker=srt_alarm),
                ],
                self._load,
                empty="Nothing assigned to you right now.",
                id="my-tickets",
            )
            with VerticalScroll(id="tech-checklist"):
                yield Static("", id="qc-note", markup=False)
                yield Static("Checklist", classes="section-title")
                yield ChecklistView("", id="checklist")

    def _load(self, page: int) -> Page[TicketView]:
        return list_tickets(
            self.shop,
            page=page,
            per_page=PER_PAGE,
            status=MY_STATUSES,
            technician_id=self.me,
            oldest_first=True,
        )

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick_today)

    def select_ticket(self, ticket_id: int, message: str = "") -> None:
        # A scan (or a screen that sent us here) chose the ticket: the running ticket no
        # longer takes the highlight, whichever of the two reads lands first.
        self._placed = True
        super().select_ticket(ticket_id, message)

    def refresh_data(self) -> None:
        super().refresh_data()
        here = self._at_the_terminal()
        self.call(read_my_day, self.me, here, done=self._show_day, group="day", exclusive=True)

    def _show_day(self, day: MyDay) -> None:
        self.day = day
        if not self._placed:
            self._placed = True
            # Start where the work is: the open timer's ticket, not the oldest row.
            if day.session is not None:
                self.pager.highlight(day.session.ticket)
        timer = self.query_one(WorkTimer)
        session, ticket = day.session, day.session_ticket
        if session is None or ticket is None:
            start = self.shop_app.key_of("work.start")
            timer.clear(f"No timer running · {start} starts one on the highlighted ticket")
        else:
            running = session.status == "running"
            why = f": {day.pause_label}" if day.pause_label else ""
            pause = self.shop_app.key_of("work.pause")
            state = "RUNNING" if running else f"PAUSED{why} ({pause} resumes)"
            timer.show(
                session.worked_seconds,
                day.read_at,
                running=running,
                caption=f"{state} · #{ticket.id} {ticket.bike_code} {ticket.title}",
            )
        self.query_one("#xp", Static).update(f"XP  [b]{day.xp}[/b]")
        if day.budget_resume_event not in (None, self._told_budget_event):
            self._told_budget_event = day.budget_resume_event
            self.set_status(
                "Your pause budget for today is used up, so the timer resumed by itself.",
                error=True,
            )
        self._tick_today()
        self.refresh_bindings()

    def _tick_today(self) -> None:
        day = self.day
        if day is None:
            return
        self.check_shift_end()
        now = self.now()
        since_read = max(0, int((now - day.read_at).total_seconds()))
        session = day.session
        running = session is not None and session.status == "running"
        extra = since_read if running else 0
        self.query_one("#today", Static).update(f"Today  [b]{hms(day.worked_today + extra)}[/b]")
        self._tick_pauses(day, now, since_read)

    def _tick_pauses(self, day: MyDay, now: datetime, since_read: int) -> None:
        """``Pauses 12m of 30m``, counting up while a counted pause is open; at the moment
        it runs out of the budget, the day is read again (which resumes the timer) while
        this screen is in front, i.e. the technician is here and not locked out."""
        budget = day.budget
        counting = budget.runs_out_at is not None and day.session is not None
        if budget.budget_seconds:
            used_seconds = budget.used_seconds + (since_read if counting else 0)
            used = f"{hm(used_seconds)} of {hm(budget.budget_seconds)}"
            ran_out = budget.ran_out_today or used_seconds >= budget.budget_seconds
            flag = " [b]used up[/b]" if ran_out else ""
            self.query_one("#pauses", Static).update(f"Pauses  {used}{flag}")
        runs_out_at = budget.runs_out_at
        if (
            counting
            and runs_out_at is not None
            and now >= runs_out_at
            and self._settle_asked != runs_out_at
            and self._at_the_terminal()
        ):
            self._settle_asked = runs_out_at
            self.refresh_data()

    def _at_the_terminal(self) -> bool:
        """My work is in front (a dialog over it at most) and the terminal is not locked:
        the technician is here to see the timer resume."""
        from .lock_screen import LockScreen

        stack = self.app.screen_stack
        return self.is_current and not any(isinstance(s, LockScreen) for s in stack)

    def check_shift_end(self) -> None:
        """At the shift's end ask "still working?"; unanswered for a while, or answered no,
        the timer is stopped at the shift's end (by the domain, which says it was automatic)."""
        day = self.day
        if day is None or day.session is None:
            return
        now = self.shop.clock.now()
        end = shift_end_passed(day.rules, day.session, now)
        if end is None:
            return
        if self._asked_for == end:
            dialog = self._still_working
            if (
                dialog is not None
                and self.app.screen is dialog
                and now >= end + STILL_WORKING_GRACE
            ):
                self._nobody_answered = True
                dialog.dismiss(False)
            return
        self._asked_for = end
        ticket = day.session.ticket
        local = end.astimezone(shop_zone(day.rules.time_zone)).strftime("%H:%M")

        def answered(still: bool | None) -> None:
            self._still_working = None
            nobody, self._nobody_answered = self._nobody_answered, False
            if still is None:  # closed by a scan: not an answer, so it is asked again
                self._asked_for = None
                return
            if still:
                self.set_status("Timer kept running after the shift's end.")
                return
            said = "" if nobody else "You answered no: "
            how = "automatically " if nobody else ""
            self.call(
                stop_at_shift_end,
                self.me,
                ticket,
                answered_no=not nobody,  # an explicit n is the technician's answer
                done=self._after(f"{said}Timer stopped {how}at the shift's end ({local})."),
            )

        self._still_working = ConfirmDialog(
            "Still working?",
            f"The shift ended at {local}. y keeps the timer on #{ticket} running; n, or no "
            f"answer within {int(STILL_WORKING_GRACE.total_seconds() // 60)} minutes, stops it "
            f"at {local}.",
            scan_note="the timer was neither kept nor stopped (you are asked again)",
        )
        self.app.push_screen(self._still_working, answered)

    def on_ticket_pager_highlighted(self, event: TicketPager.Highlighted) -> None:
        ticket = event.ticket
        self.query_one("#checklist", ChecklistView).show_ticket(ticket)
        note = self.query_one("#qc-note", Static)
        note.update(qc_note_text(ticket) if ticket and is_rework(ticket) else "")
        note.display = bool(ticket and is_rework(ticket))
        self.refresh_bindings()

    # --- which keys apply -------------------------------------------------------------------

    def _actions(self, ticket: TicketView) -> list[TicketAction]:
        return ticket_actions_for(
            self.session.acting_roles(),
            TicketStatus(ticket.status),
            is_assigned_technician=ticket.technician == self.me,
        )

    @property
    def open_session(self) -> WorkSessionView | None:
        return self.day.session if self.day else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        ticket = self.pager.highlighted if self.is_mounted else None
        if action == "start":
            # An open timer elsewhere is for the domain to explain, so the key stays live.
            ok = ticket is not None and may_start_timer(
                self.session.acting_roles(),
                TicketStatus(ticket.status),
                is_assigned_technician=ticket.technician == self.me,
            )
            return True if ok else None
        if action in ("pause_resume", "stop"):
            return True if self.open_session is not None else None
        if action == "send_to_qc":
            ok = ticket is not None and TicketAction.TO_WAITING_QC in self._actions(ticket)
            return True if ok else None
        if action == "park":
            ok = ticket is not None and TicketAction.PARKED in self._actions(ticket)
            return True if ok else None
        if action == "tasks":
            return True if may_tick(ticket, self.me) else None
        return True

    def why_not(self, action: str) -> str:
        ticket = self.pager.highlighted
        where = f"#{ticket.id} is {ticket_status(ticket)}" if ticket else ""
        s = self.shop_app.key_of("work.start")
        if action in ("pause_resume", "stop"):
            return f"No timer is open: {s} starts one on the highlighted ticket."
        if ticket is None:
            return "No ticket is highlighted."
        if action == "start":
            return f"{where}: {s} starts work on your assigned, rework or in-progress tickets."
        if action == "send_to_qc":
            return f"{where}: only a ticket in progress goes to QC ({s} starts it first)."
        if action == "park":
            return f"{where}: only a ticket in progress can be parked ({s} starts it first)."
        if action == "tasks":
            return f"{where}: tasks are ticked while it is assigned, in progress or in rework."
        return ""

    def action_tasks(self) -> None:
        ticket = self.pager.highlighted
        if ticket is None:
            return
        self.app.push_screen(TasksDialog(ticket, self.me), lambda _: self.refresh_data())

    # --- actions ----------------------------------------------------------------------------

    def _after(self, message: str) -> Any:
        def done(_: object) -> None:
            self.set_status(message)
            self.refresh_data()

        return done

    def action_start(self) -> None:
        ticket = self.pager.highlighted
        if ticket is None:
            return
        message = f"Timer started on #{ticket.id} {ticket.bike_code}."
        if is_rework(ticket):
            # The fix the inspector asked for, once more, as the rework begins.
            message = f"Rework started on #{ticket.id} {ticket.bike_code}. {qc_note_text(ticket)}"
        self.act(
            "start",
            ticket.id,
            f"Starting the timer on #{ticket.id} {ticket.bike_code}",
            start_work_session,
            self.me,
            ticket.id,
            done=self._after(message),
        )

    def action_pause_resume(self) -> None:
        session = self.open_session
        if session is None:
            start = self.shop_app.key_of("work.start")
            self.set_status(f"No timer is open; {start} starts one.", error=True)
            return
        if session.status != "running":
            self.act(
                "pause_resume",
                session.ticket,
                "Resuming the timer",
                resume_work_session,
                self.me,
                session.ticket,
                done=self._after("Timer resumed."),
            )
            return

        def pause(reason: PauseReason, note: str) -> None:
            self.act(
                "pause_resume",
                session.ticket,
                "Pausing the timer",
                pause_work_session,
                self.me,
                session.ticket,
                reason.code,
                note,
                done=self._after(f"Timer paused: {reason.label}."),
            )

        self._ask_reason(f"Pause #{session.ticket}: why?", pause, "the pause was not made")

    def _ask_reason(self, question: str, then: Any, not_done: str) -> None:
        """Pick a reason with one digit; a reason that needs a note asks for it next."""
        reasons = self.day.rules.pause_reasons if self.day else ()

        def picked(reason: PauseReason | None) -> None:
            if reason is None:
                return
            if not reason.needs_note:
                then(reason, "")
                return

            def noted(note: str | None) -> None:
                if note:
                    then(reason, note)

            self.app.push_screen(
                TextDialog(f"{reason.label}: what is it?", required=True, scan_note=not_done),
                noted,
            )

        self.app.push_screen(ReasonDialog(question, reasons, scan_note=not_done), picked)

    def action_park(self) -> None:
        ticket = self.pager.highlighted
        if ticket is None:
            return

        def park(reason: PauseReason, note: str, wanted: WantedPart | None = None) -> None:
            named = f", waiting for {wanted.quantity} x {wanted.text}" if wanted else ""
            self.act(
                "park",
                ticket.id,
                "Parking the bike",
                park_ticket,
                self.me,
                ticket.id,
                reason.code,
                note,
                part_id=wanted.part_id if wanted else None,
                part_text=wanted.text if wanted and wanted.part_id is None else None,
                quantity=wanted.quantity if wanted else 1,
                done=self._after(
                    f"#{ticket.id} {ticket.bike_code} parked ({reason.label}{named}); "
                    "you can start another bike."
                ),
            )

        def for_part(reason: PauseReason, note: str) -> None:
            # Waiting for parts: which part, and how many, go on the parts waiting list.
            if reason.code != PARK_DEFAULT_REASON:
                park(reason, note)
                return

            def named(wanted: WantedPart | None) -> None:
                if wanted is not None:  # None: escape, or a scan closed it; not parked
                    park(reason, note, wanted if wanted.quantity else None)

            def listed(parts: list[PartView]) -> None:
                self.app.push_screen(
                    WantedPartDialog(
                        f"#{ticket.id} {ticket.bike_code} waits for which part?",
                        parts,
                        scan_note=f"#{ticket.id} was not parked",
                    ),
                    named,
                )

            self.call(list_parts, self.me, done=listed)

        self._ask_reason(
            f"Park #{ticket.id} {ticket.bike_code}: why does it wait?",
            for_part,
            f"#{ticket.id} was not parked",
        )

    def action_stop(self) -> None:
        session = self.open_session
        if session is None:
            self.set_status("No timer is open.", error=True)
            return
        self.act(
            "stop",
            session.ticket,
            "Stopping the timer",
            stop_work_session,
            self.me,
            session.ticket,
            done=self._after(f"Timer stopped on #{session.ticket}; the ticket stays in progress."),
        )

    def action_send_to_qc(self) -> None:
        ticket = self.pager.highlighted
        if ticket is None:
            return

        def send(anyway: bool) -> None:
            # anyway=False: the domain refuses if a task is unticked after all (ticked off
            # at another terminal as shown, un-ticked since), and we ask about it.
            self.act(
                "send_to_qc",
                ticket.id,
                f"Sending #{ticket.id} {ticket.bike_code} to QC",
                send_to_qc,
                self.me,
                ticket.id,
                confirm_unticked=anyway,
                done=self._after(f"#{ticket.id} {ticket.bike_code} sent to QC."),
                failed=refused,
            )

        def refused(exc: DomainError) -> None:
            # A critical task unticked (the shop's rule) is said on the status line.
            if exc.code == "unticked_tasks":
                ask(exc.message)
            else:
                self.show_error(exc)

        def ask(unticked: str) -> None:
            def confirmed(yes: bool | None) -> None:
                if yes:
                    send(bool(unticked))

            detail = "Its timer stops; the QC inspector takes it from here."
            self.app.push_screen(
                ConfirmDialog(
                    f"Send #{ticket.id} {ticket.bike_code} to QC"
                    + (" with tasks not ticked?" if unticked else "?"),
                    f"{unticked} {detail}" if unticked else detail,
                    scan_note=f"#{ticket.id} was not sent to QC",
                ),
                confirmed,
            )

        open_tasks = [t for t in ticket.checklist_state if not t["done"]]
        named = "; ".join(f"{t['index'] + 1}. {t['task'][:30]}" for t in open_tasks[:3])
        more = f" and {len(open_tasks) - 3} more" if len(open_tasks) > 3 else ""
        total = len(ticket.checklist_state)
        ask(f"{len(open_tasks)} of {total} not ticked: {named}{more}." if open_tasks else "")
