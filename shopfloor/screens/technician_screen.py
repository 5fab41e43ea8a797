"""Technician: my tickets, the big timer, start / pause / resume / stop / send to QC,
the ticket's checklist, my time today and my XP."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from .. import keys
from ..domain import (
    Page,
    Shop,
    TicketAction,
    TicketStatus,
    TicketView,
    WorkSessionView,
    get_ticket,
    list_tickets,
    open_session_of,
    pause_work_session,
    resume_work_session,
    send_to_qc,
    start_work_session,
    stop_work_session,
    ticket_actions_for,
    worked_seconds_since,
    xp_total,
)
from ..domain.rules import may_start_timer
from ..widgets.checklist import ChecklistView
from ..widgets.formatting import hms, srt_vs_worked, status_label
from ..widgets.ticket_pager import Column, TicketPager
from ..widgets.timer import WorkTimer
from .dialogs import ConfirmDialog
from .paged import PagedTicketsScreen

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


def read_my_day(shop: Shop, technician_id: int, since: datetime) -> MyDay:
    """Everything the timer panel shows (runs in a worker)."""
    read_at = shop.clock.now()
    session = open_session_of(shop, technician_id)
    ticket = get_ticket(shop, session.ticket) if session else None
    return MyDay(
        session,
        ticket,
        worked_seconds_since(shop, technician_id, since),
        xp_total(shop, technician_id),
        read_at,
    )


class TechnicianScreen(PagedTicketsScreen):
    """What a technician looks at all day."""

    TITLE = "My work"
    BINDINGS = keys.TECHNICIAN

    def __init__(self) -> None:
        super().__init__()
        self.day: MyDay | None = None

    def compose_body(self) -> Iterable[Any]:
        with Horizontal(id="tech-top"):
            yield WorkTimer(self.shop.clock, id="work-timer")
            with Vertical(id="tech-summary"):
                yield Static("", id="today")
                yield Static("", id="xp")
        with Horizontal(id="tech-main"):
            yield TicketPager(
                [
                    Column("#", lambda t: str(t.id), 4),
                    Column("Bike", lambda t: t.bike_code, 7),
                    Column("Title", lambda t: t.title, 11),
                    Column("Status", lambda t: status_label(t.status), 11),
                    Column("Worked/SRT", srt_vs_worked, 10),
                ],
                self._load,
                empty="Nothing assigned to you right now.",
                id="my-tickets",
            )
            with VerticalScroll(id="tech-checklist"):
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

    def refresh_data(self) -> None:
        super().refresh_data()
        since = self.shop_app.local_midnight_utc()
        self.call(read_my_day, self.me, since, done=self._show_day, group="day", exclusive=True)

    def _show_day(self, day: MyDay) -> None:
        self.day = day
        timer = self.query_one(WorkTimer)
        session, ticket = day.session, day.session_ticket
        if session is None or ticket is None:
            timer.clear("No timer running · s starts one on the highlighted ticket")
        else:
            running = session.status == "running"
            state = "RUNNING" if running else "PAUSED (p resumes)"
            timer.show(
                session.worked_seconds,
                day.read_at,
                running=running,
                caption=f"{state} · #{ticket.id} {ticket.bike_code} {ticket.title}",
            )
        self.query_one("#xp", Static).update(f"XP  [b]{day.xp}[/b]")
        self._tick_today()
        self.refresh_bindings()

    def _tick_today(self) -> None:
        day = self.day
        if day is None:
            return
        extra = 0
        if day.session is not None and day.session.status == "running":
            extra = max(0, int((self.now() - day.read_at).total_seconds()))
        self.query_one("#today", Static).update(f"Today  [b]{hms(day.worked_today + extra)}[/b]")

    def on_ticket_pager_highlighted(self, event: TicketPager.Highlighted) -> None:
        ticket = event.ticket
        items = ticket.checklist_snapshot if ticket else ()
        self.query_one("#checklist", ChecklistView).show(items)
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
        return True

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
        self.act(
            "start",
            ticket.id,
            f"Starting the timer on #{ticket.id} {ticket.bike_code}",
            start_work_session,
            self.me,
            ticket.id,
            done=self._after(f"Timer started on #{ticket.id} {ticket.bike_code}."),
        )

    def action_pause_resume(self) -> None:
        session = self.open_session
        if session is None:
            self.set_status("No timer is open; s starts one.", error=True)
            return
        if session.status == "running":
            fn, word, doing = pause_work_session, "paused", "Pausing"
        else:
            fn, word, doing = resume_work_session, "resumed", "Resuming"
        self.act(
            "pause_resume",
            session.ticket,
            f"{doing} the timer",
            fn,
            self.me,
            session.ticket,
            done=self._after(f"Timer {word}."),
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

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.act(
                    "send_to_qc",
                    ticket.id,
                    f"Sending #{ticket.id} {ticket.bike_code} to QC",
                    send_to_qc,
                    self.me,
                    ticket.id,
                    done=self._after(f"#{ticket.id} {ticket.bike_code} sent to QC."),
                )

        self.app.push_screen(
            ConfirmDialog(
                f"Send #{ticket.id} {ticket.bike_code} to QC?",
                "Its timer stops; the QC inspector takes it from here.",
            ),
            confirmed,
        )
