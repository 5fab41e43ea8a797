"""QC queue (qc_inspector): waiting tickets oldest first, with which tasks are ticked and by
whom; pass, or fail naming the tasks that failed (a note when none is named)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from .. import keys
from ..domain import (
    Page,
    QcPassed,
    TicketAction,
    TicketStatus,
    TicketView,
    list_tickets,
    qc_fail,
    qc_pass,
    ticket_actions_for,
)
from ..widgets.checklist import ChecklistView
from ..widgets.formatting import srt_alarm, srt_vs_worked
from ..widgets.ticket_pager import Column, TicketPager
from .dialogs import ConfirmDialog, TextDialog
from .paged import PagedTicketsScreen
from .tasks_dialog import TasksDialog

PER_PAGE = 50


class QcQueueScreen(PagedTicketsScreen):
    """The inspector's queue."""

    TITLE = "QC queue"
    BINDINGS = keys.QC

    def compose_body(self) -> Iterable[Any]:
        with Horizontal(id="qc-main"):
            yield TicketPager(
                [
                    Column("#", lambda t: str(t.id), 3, fit=True),
                    Column("Bike", lambda t: t.bike_code, 7, fit=True),
                    Column("Title", lambda t: t.title, 8, grow=2, wrap=True),
                    Column("Tech", lambda t: t.technician_name or "-", 6, grow=1, wrap=True),
                    Column("Worked/SRT", srt_vs_worked, 10, fit=True, marker=srt_alarm),
                    Column("Pass", lambda t: "rework" if t.qc_fail_count else "first", 6, drop=1),
                ],
                self._load,
                empty="Nothing is waiting for QC.",
                id="qc-tickets",
            )
            with VerticalScroll(id="qc-checklist"):
                yield Static("Checklist", classes="section-title")
                yield ChecklistView("", id="checklist")

    def _load(self, page: int) -> Page[TicketView]:
        return list_tickets(
            self.shop, page=page, per_page=PER_PAGE, status="waiting_qc", oldest_first=True
        )

    def on_ticket_pager_highlighted(self, event: TicketPager.Highlighted) -> None:
        ticket = event.ticket
        self.query_one("#checklist", ChecklistView).show_ticket(ticket)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("pass_ticket", "fail_ticket"):
            ticket = self.pager.highlighted if self.is_mounted else None
            if ticket is None:
                return None
            wanted = TicketAction.QC_PASS if action == "pass_ticket" else TicketAction.QC_FAIL
            offered = ticket_actions_for(
                self.session.acting_roles(),
                TicketStatus(ticket.status),
                is_assigned_technician=False,
            )
            return True if wanted in offered else None
        return True

    def why_not(self, action: str) -> str:
        if action in ("pass_ticket", "fail_ticket"):
            return "Nothing is waiting for QC."
        return ""

    def action_pass_ticket(self) -> None:
        # The ticket as shown now is the one passed, whatever the list does meanwhile.
        ticket = self.pager.highlighted
        if ticket is None:
            return
        if self.refused_while_acting():
            return

        def passed(result: QcPassed) -> None:
            xp = result.xp
            kind = "first pass" if result.first_pass else "passed after rework"
            detail = f"base {xp.base} + bonus {xp.bonus}" if xp.bonus else f"base {xp.base}"
            self.set_status(
                f"#{ticket.id} {ticket.bike_code} passed QC — {kind}: "
                f"+{xp.total} XP ({detail}) to {ticket.technician_name}."
            )
            self.pager.reload()

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.act(
                    "qc_pass",
                    ticket.id,
                    f"Passing QC on #{ticket.id} {ticket.bike_code}",
                    qc_pass,
                    self.me,
                    ticket.id,
                    # What the inspector saw: if another terminal acted first, the
                    # domain refuses instead of passing a ticket in some other state.
                    expected_status=ticket.status,
                    done=passed,
                )

        self.app.push_screen(
            ConfirmDialog(
                f"Pass QC on {ticket.bike_code} (#{ticket.id})?",
                f"{ticket.title} · {ticket.technician_name or '-'} · y or enter passes it.",
                scan_note=f"#{ticket.id} was not passed",
            ),
            confirmed,
        )

    def action_fail_ticket(self) -> None:
        ticket = self.pager.highlighted
        if ticket is None:
            return
        if not ticket.checklist_state:  # no tasks to name: the note says it all
            self._ask_note(ticket, [])
            return

        def picked(tasks: list[int] | None) -> None:
            if tasks is not None:
                self._ask_note(ticket, tasks)

        self.app.push_screen(TasksDialog(ticket, self.me, pick=True), picked)

    def _ask_note(self, ticket: TicketView, tasks: list[int]) -> None:
        """The note for the technician: required only when no task was named."""

        def noted(note: str | None) -> None:
            if note is None:
                return

            def failed(_: TicketView) -> None:
                named = f" ({len(tasks)} task(s) to fix)" if tasks else ""
                self.set_status(
                    f"#{ticket.id} {ticket.bike_code} failed QC{named}; back to "
                    f"{ticket.technician_name} as rework."
                )
                self.pager.reload()

            self.act(
                "qc_fail",
                ticket.id,
                f"Failing QC on #{ticket.id} {ticket.bike_code}",
                qc_fail,
                self.me,
                ticket.id,
                note,
                expected_status=ticket.status,
                tasks=tasks if ticket.checklist_state else None,
                done=failed,
            )

        if tasks:
            names = "; ".join(f"{i + 1}. {ticket.checklist_state[i]['task'][:40]}" for i in tasks)
            detail = f"Failed: {names}. A note is optional (enter to fail it, escape to cancel)."
        else:
            detail = (
                "No task named, so a fail needs a note: what must the technician fix? "
                "(enter to fail it, escape to cancel)"
            )
        self.app.push_screen(
            TextDialog(
                f"Fail QC on #{ticket.id} {ticket.bike_code}?",
                detail=detail,
                placeholder="e.g. Rear brake still rubs; adjust the caliper.",
                required=not tasks,
                scan_note=f"#{ticket.id} was not failed",
            ),
            noted,
        )
