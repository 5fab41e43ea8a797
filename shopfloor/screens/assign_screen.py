"""Assign board (ops_manager, master, super_admin): waiting tickets beside the technicians
and their load; a digit assigns the highlighted ticket to that technician.

Typing a letter opens "find by code": the bike code goes into a search field (so the
digits in it never assign), enter highlights that bike's ticket, and a code that is no
bike offers the closest codes, as Intake does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import events
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from .. import keys
from ..domain import (
    BikeState,
    Page,
    Permission,
    TicketView,
    allows,
    assign_ticket,
    list_tickets,
)
from ..domain.boards import TechnicianLoad, technician_load
from ..widgets.checklist import tasks_to_fix
from ..widgets.formatting import hm, srt_alarm, status_and_srt, ticket_status
from ..widgets.ticket_pager import Column, FittedTable, TicketPager
from .base import bike_and_ticket
from .dialogs import ConfirmDialog
from .paged import PagedTicketsScreen

PER_PAGE = 50
WAITING = ("new", "rework")
REASSIGNABLE = ("new", "rework", "assigned")
TIMER_SIGNS = {"running": "▶", "paused": "‖"}


def board_status(ticket: TicketView) -> str:
    """The status (over SRT marked) and, on rework, how many tasks QC named to fix."""
    fix = tasks_to_fix(ticket)
    named = f": fix {', '.join(str(t['index'] + 1) for t in fix[:4])}" if fix else ""
    more = "…" if len(fix) > 4 else ""
    return f"{status_and_srt(ticket)}{named}{more}"


# Each technician with their number (the digit that assigns to them).
Numbered = tuple[int, TechnicianLoad]

# The technicians beside the tickets; worked today is the first to go on a narrow panel.
TECH_COLUMNS: list[Column[Numbered]] = [
    Column("N", lambda r: str(r[0]) if r[0] <= 9 else " ", 1),
    Column("Technician", lambda r: r[1].display_name, 8, grow=1, wrap=True),
    Column("T", lambda r: TIMER_SIGNS.get(r[1].timer or "", ""), 1),  # ▶ running, ‖ paused
    Column("InP", lambda r: str(r[1].in_progress), 3),
    Column("Asg", lambda r: str(r[1].assigned), 3),
    Column("Today", lambda r: hm(r[1].worked_seconds), 6, drop=1),
]


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
                yield Input(
                    placeholder="bike code · enter finds · escape closes",
                    id="find-code",
                    compact=True,
                    select_on_focus=False,  # the letter that opened it stays typed
                )
                yield OptionList(id="find-suggestions")
                yield TicketPager(
                    [
                        Column("#", lambda t: str(t.id), 3, fit=True),
                        Column("Bike", lambda t: t.bike_code, 7, fit=True),
                        Column("Title", lambda t: t.title, 8, grow=2, wrap=True),
                        Column("Status", board_status, 8, wrap=True, marker=srt_alarm),
                        Column("Tech", lambda t: t.technician_name or "-", 5, grow=1, drop=1),
                    ],
                    self._load,
                    empty="No ticket is waiting for a technician.",
                    id="waiting",
                )
            with Vertical(id="assign-techs"):
                yield Static("Technicians (digit assigns)", classes="section-title")
                yield FittedTable(TECH_COLUMNS, id="tech-table")

    def _load(self, page: int) -> Page[TicketView]:
        statuses = REASSIGNABLE if self.include_assigned else WAITING
        return list_tickets(
            self.shop, page=page, per_page=PER_PAGE, status=statuses, oldest_first=True
        )

    @property
    def tech_table(self) -> FittedTable[Numbered]:
        return self.query_one("#tech-table", FittedTable)

    def on_mount(self) -> None:
        self.query_one("#find-code", Input).display = False
        self.query_one("#find-suggestions", OptionList).display = False
        if self.include_assigned:  # opened by a scan of an assigned ticket
            self.query_one("#assign-tickets-title", Static).update("Waiting + assigned (reassign)")

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
        self.tech_table.show(list(enumerate(techs, start=1)), [str(t.user_id) for t in techs])

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

        # Someone else's assigned ticket, or rework that goes back to someone other than
        # the technician QC returned it to: a reassignment, asked first.
        previous = ticket.technician
        reassigning = ticket.status == "assigned" or (
            ticket.status == "rework" and previous is not None and previous != tech.user_id
        )
        if not reassigning:
            assign()
            return
        if self.refused_while_acting():
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                assign()

        kind = "rework " if ticket.status == "rework" else ""
        self.app.push_screen(
            ConfirmDialog(
                f"Reassign {kind}{ticket.bike_code} (#{ticket.id})?",
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
        self._show_assigned(not self.include_assigned)
        self.pager.page_number = 1
        self.pager.reload()

    def _show_assigned(self, include: bool) -> None:
        self.include_assigned = include
        title = "Waiting + assigned (reassign)" if include else "Waiting for a technician"
        self.query_one("#assign-tickets-title", Static).update(title)

    # --- issue 21's lists: what to order, what to review -------------------------------------

    def action_parts_waiting(self) -> None:
        from .parts_waiting_screen import PartsWaitingScreen

        self.app.push_screen(PartsWaitingScreen())

    def action_review_queue(self) -> None:
        from .review_queue_screen import ReviewQueueScreen

        self.app.push_screen(ReviewQueueScreen())

    # --- find by code -------------------------------------------------------------------------

    @property
    def find_field(self) -> Input:
        return self.query_one("#find-code", Input)

    def on_key(self, event: events.Key) -> None:
        """A letter that is no key of the board starts the search with itself."""
        char = event.character or ""
        if self.find_field.has_focus or not (len(char) == 1 and char.isalpha()):
            return
        if event.key in self.active_bindings:  # a key of the board (config.toml applied)
            return
        event.stop()
        event.prevent_default()
        self.open_find(char)

    def open_find(self, text: str = "") -> None:
        field = self.find_field
        if field.display:  # typing on from the list of closest codes
            text = field.value + text
        field.display = True
        field.value = text
        field.cursor_position = len(text)
        field.focus()
        self.set_status("Find a bike: type its code, enter finds it (escape closes).")
        self.refresh_bindings()

    def action_close_find(self) -> None:
        self.find_field.display = False
        self.query_one("#find-suggestions", OptionList).display = False
        self.pager.focus_table()
        self.refresh_bindings()

    def action_find_suggestions(self) -> None:
        suggestions = self.query_one("#find-suggestions", OptionList)
        suggestions.focus()
        suggestions.highlighted = 0

    def take_scan(self, code: str, note: str) -> bool:
        if self.find_field.display:  # a scan finds the bike itself
            self.action_close_find()
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "review_queue":
            return True if allows(self.session.acting_roles(), Permission.REVIEW) else None
        if action == "close_find":
            return self.find_field.display if self.is_mounted else False
        if action == "find_suggestions":
            if not self.is_mounted:
                return False
            suggestions = self.query_one("#find-suggestions", OptionList)
            return self.find_field.has_focus and suggestions.display
        return True

    def why_not(self, action: str) -> str:
        if action == "review_queue":
            return "Managers and admins review tickets (the Review queue)."
        return ""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "find-code":
            event.stop()
            self.find(event.value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "find-suggestions" and event.option.id:
            event.stop()
            self.find_field.value = event.option.id
            self.find(event.option.id)

    def find(self, code: str) -> None:
        """Highlight the ticket of the bike ``code`` names (assigning nothing)."""
        if not code.strip():
            self.action_close_find()
            return
        self.set_status(f"Looking for {code.strip().upper()}…")
        self.call(bike_and_ticket, code, done=self._found, group="find", exclusive=True)

    def _found(self, found: tuple[BikeState, TicketView | None]) -> None:
        state, ticket = found
        suggestions = self.query_one("#find-suggestions", OptionList)
        if not state.valid or state.bike is None:
            close = state.suggestions
            suggestions.clear_options()
            suggestions.add_options([Option(code, id=code) for code in close])
            suggestions.display = bool(close)
            hint = f" Closest: {', '.join(close)} (↓ picks one)." if close else ""
            self.set_status(f"{state.code}: no such bike in the fleet.{hint}", error=True)
            return
        suggestions.display = False
        where = f"#{ticket.id} {state.code}" if ticket else state.code
        if ticket is None:
            self.set_status(f"{state.code} has no open ticket: nothing to assign.", error=True)
            return
        if ticket.status not in REASSIGNABLE:
            status = ticket_status(ticket)
            by = f" with {ticket.technician_name}" if ticket.technician_name else ""
            self.set_status(f"{where} is {status}{by}: nothing to assign here.", error=True)
            return
        self.action_close_find()
        if ticket.status == "assigned" and not self.include_assigned:
            self._show_assigned(True)
        said = f"Found {where} ({ticket_status(ticket)}): a digit assigns it."
        self.select_ticket(ticket.id, said)
