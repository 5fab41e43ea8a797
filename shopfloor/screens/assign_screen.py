"""Assign board (ops_manager, master, super_admin): waiting tickets beside the technicians
and their load; a digit assigns the highlighted ticket to that technician."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from .. import keys
from ..domain import Page, TicketView, assign_ticket, list_tickets
from ..domain.boards import TechnicianLoad, technician_load
from ..widgets.formatting import hm, ticket_status
from ..widgets.ticket_pager import Column, TicketPager
from .dialogs import ConfirmDialog
from .paged import PagedTicketsScreen

PER_PAGE = 50
WAITING = ("new", "rework")
REASSIGNABLE = ("new", "rework", "assigned")


class AssignScreen(PagedTicketsScreen):
    """Hand out work in a few keystrokes."""

    TITLE = "Assign"
    BINDINGS = keys.ASSIGN

    def __init__(self) -> None:
        super().__init__()
        self.include_assigned = False
        self.technicians: tuple[TechnicianLoad, ...] = ()

    def compose_body(self) -> Iterable[Any]:
        with Horizontal(id="assign-main"):
            with Vertical(id="assign-tickets"):
                yield Static(
                    "Waiting for a technician", id="assign-tickets-title", classes="section-title"
                )
                yield TicketPager(
                    [
                        Column("#", lambda t: str(t.id), 3, fit=True),
                        Column("Bike", lambda t: t.bike_code, 7, fit=True),
                        Column("Title", lambda t: t.title, 8, grow=2),
                        Column("Status", ticket_status, 8),
                        Column("Tech", lambda t: t.technician_name or "-", 5, grow=1),
                    ],
                    self._load,
                    empty="No ticket is waiting for a technician.",
                    id="waiting",
                )
            with Vertical(id="assign-techs"):
                yield Static("Technicians (digit assigns)", classes="section-title")
                yield DataTable(id="tech-table", cursor_type="row", zebra_stripes=True)

    def _load(self, page: int) -> Page[TicketView]:
        statuses = REASSIGNABLE if self.include_assigned else WAITING
        return list_tickets(
            self.shop, page=page, per_page=PER_PAGE, status=statuses, oldest_first=True
        )

    @property
    def tech_table(self) -> DataTable[str | Text]:
        return self.query_one("#tech-table", DataTable)

    def on_mount(self) -> None:
        if self.include_assigned:  # opened by a scan of an assigned ticket
            self.query_one("#assign-tickets-title", Static).update("Waiting + assigned (reassign)")
        table = self.tech_table
        table.add_column("N", width=1)
        table.add_column("Technician", width=10)
        table.add_column("T", width=1)  # the timer: ▶ running, ‖ paused
        table.add_column("InP", width=3)
        table.add_column("Asg", width=3)
        table.add_column("Today", width=6)

    def refresh_data(self) -> None:
        super().refresh_data()
        since = self.shop_app.local_midnight_utc()
        self.call(
            technician_load,
            self.me,
            since=since,
            done=self._show_techs,
            group="techs",
            exclusive=True,
        )

    def _show_techs(self, techs: tuple[TechnicianLoad, ...]) -> None:
        self.technicians = techs
        table = self.tech_table
        row = table.cursor_row
        table.clear()
        for n, tech in enumerate(techs, start=1):
            timer = {"running": "▶", "paused": "‖"}.get(tech.timer or "", "")
            table.add_row(
                str(n) if n <= 9 else " ",
                Text(tech.display_name),
                timer,
                str(tech.in_progress),
                str(tech.assigned),
                hm(tech.worked_seconds),
                key=str(tech.user_id),
            )
        if techs:
            table.move_cursor(row=min(row, len(techs) - 1), animate=False)

    # --- assigning --------------------------------------------------------------------------

    def _assign(self, tech: TechnicianLoad) -> None:
        # The ticket and status as shown when the key was pressed: the domain refuses
        # if it moved on meanwhile, so a stale board never reassigns by accident.
        ticket = self.pager.highlighted
        if ticket is None:
            self.set_status("No ticket highlighted.", error=True)
            return

        def done(t: TicketView) -> None:
            self.set_status(f"#{t.id} {t.bike_code} assigned to {tech.display_name}.")
            self.refresh_data()

        def assign() -> None:
            self.act(
                "assign",
                ticket.id,
                f"Assigning #{ticket.id} {ticket.bike_code} to {tech.display_name}",
                assign_ticket,
                self.me,
                ticket.id,
                tech.user_id,
                expected_status=ticket.status,
                done=done,
            )

        if ticket.status != "assigned":
            assign()
            return
        if self.refused_while_acting():
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                assign()

        self.app.push_screen(
            ConfirmDialog(
                f"Reassign {ticket.bike_code} (#{ticket.id})?",
                f"From {ticket.technician_name or '-'} to {tech.display_name} · "
                "y or enter reassigns it.",
                scan_note=f"#{ticket.id} was not reassigned",
            ),
            confirmed,
        )

    def action_assign_number(self, number: int) -> None:
        if number <= len(self.technicians):
            self._assign(self.technicians[number - 1])
        else:
            self.set_status(f"There is no technician {number}.", error=True)

    def action_assign_highlighted(self) -> None:
        table = self.tech_table
        if not self.technicians or table.row_count == 0:
            self.set_status("There are no active technicians.", error=True)
            return
        self._assign(self.technicians[table.cursor_row])

    def action_switch_side(self) -> None:
        if self.tech_table.has_focus:
            self.pager.focus_table()
        else:
            self.tech_table.focus()

    def action_toggle_reassign(self) -> None:
        self.include_assigned = not self.include_assigned
        title = (
            "Waiting + assigned (reassign)" if self.include_assigned else "Waiting for a technician"
        )
        self.query_one("#assign-tickets-title", Static).update(title)
        self.pager.page_number = 1
        self.pager.reload()
