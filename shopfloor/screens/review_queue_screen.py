"""Review queue (ops_manager, super_admin; the shop's ``review_required`` rule): tickets
under review, oldest first, with their parts and minutes beside them. ``e`` edits the
parts (a part's minutes or colour, remove one, add one), ``a`` approves (asked first): the ticket
becomes new and goes to the Assign board. Opened from the dashboard and the Assign
board; escape goes back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from .. import keys
from ..domain import (
    Page,
    Permission,
    TicketView,
    allows,
    list_parts,
    list_tickets,
    review_approve,
    update_part_specs,
)
from ..domain.views import PartView
from ..widgets.ticket_pager import Column, TicketPager
from .dialogs import ChoiceDialog, ConfirmDialog, TextDialog
from .paged import PagedTicketsScreen
from .part_dialogs import PartSpec, PartSpecDialog

PER_PAGE = 50


def spec_of(part: dict[str, Any]) -> dict[str, Any]:
    """A reply's part spec as ``update_part_specs`` takes it."""
    return {k: part[k] for k in ("part_id", "color", "comment", "minutes")}


def review_text(ticket: TicketView | None) -> str:
    """The parts, their minutes and what they give, for the reviewer to check."""
    if ticket is None:
        return "Nothing is under review."
    lines = [f"#{ticket.id} {ticket.bike_code} · {ticket.title}", f"by {ticket.master_name}", ""]
    for n, p in enumerate(ticket.ticket_parts, start=1):
        comment = f" — {p['comment']}" if p["comment"] else ""
        lines.append(f"{n}. {p['part_name']}: {p['color']}, {p['minutes']} min{comment}")
    if not ticket.ticket_parts:
        lines.append("No parts: taken in by SRT.")
    lines += [
        "",
        f"SRT {ticket.srt_total_minutes} min · flag {ticket.flag_color} · XP {ticket.xp_amount}",
        f"{len(ticket.checklist_snapshot)} tasks",
    ]
    return "\n".join(lines)


class ReviewQueueScreen(PagedTicketsScreen):
    """Check, correct and approve new tickets before they are assigned."""

    TITLE = "Review queue"
    BINDINGS = keys.REVIEW

    def compose_body(self) -> Iterable[Any]:
        with Horizontal(id="review-main"):
            yield TicketPager(
                [
                    Column("#", lambda t: str(t.id), 3, fit=True),
                    Column("Bike", lambda t: t.bike_code, 7, fit=True),
                    Column("Title", lambda t: t.title, 8, grow=2, wrap=True),
                    Column("Min", lambda t: str(t.total_duration), 4, fit=True),
                    Column("Flag", lambda t: t.flag_color, 6, drop=1),
                ],
                self._load,
                empty="Nothing is under review.",
                id="review-tickets",
            )
            with VerticalScroll(id="review-side"):
                yield Static("Parts and minutes", classes="section-title")
                yield Static("", id="review-parts", markup=False)

    def _load(self, page: int) -> Page[TicketView]:
        return list_tickets(
            self.shop, page=page, per_page=PER_PAGE, status="under_review", oldest_first=True
        )

    def on_ticket_pager_highlighted(self, event: TicketPager.Highlighted) -> None:
        self.query_one("#review-parts", Static).update(review_text(event.ticket))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("approve", "edit_parts"):
            ticket = self.pager.highlighted if self.is_mounted else None
            may = allows(self.session.acting_roles(), Permission.REVIEW)
            return True if ticket is not None and may else None
        return True

    def why_not(self, action: str) -> str:
        if action in ("approve", "edit_parts"):
            if self.pager.highlighted is None:
                return "Nothing is under review."
            return "Managers and admins review tickets."
        return ""

    def action_close(self) -> None:
        self.dismiss()

    # --- approving --------------------------------------------------------------------------

    def action_approve(self) -> None:
        ticket = self.pager.highlighted
        if ticket is None:
            return

        def approved(t: TicketView) -> None:
            self.set_status(f"#{t.id} {t.bike_code} approved: it waits on the Assign board.")
            self.pager.reload()

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.act(
                    "review_approve",
                    ticket.id,
                    f"Approving #{ticket.id} {ticket.bike_code}",
                    review_approve,
                    self.me,
                    ticket.id,
                    expected_status=ticket.status,
                    done=approved,
                )

        self.app.push_screen(
            ConfirmDialog(
                f"Approve {ticket.bike_code} (#{ticket.id})?",
                f"{ticket.total_duration} min · flag {ticket.flag_color} · XP "
                f"{ticket.xp_amount}. y or enter approves it for assignment.",
                scan_note=f"#{ticket.id} was not approved",
            ),
            confirmed,
        )

    # --- editing the parts ------------------------------------------------------------------

    def action_edit_parts(self) -> None:
        ticket = self.pager.highlighted
        if ticket is None:
            return
        specs = [spec_of(p) for p in ticket.ticket_parts]
        options = [("Add a part", "add")]
        for i, p in enumerate(ticket.ticket_parts):
            options.append((f"Minutes of {p['part_name']} ({p['minutes']})", f"min:{i}"))
            options.append((f"Colour of {p['part_name']} ({p['color']})", f"col:{i}"))
            options.append((f"Remove {p['part_name']}", f"rm:{i}"))

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            if choice == "add":
                self.call(list_parts, self.me, done=lambda parts: self._add(ticket, specs, parts))
                return
            what, index = choice.split(":")
            if what == "rm":
                self._save(ticket, specs[: int(index)] + specs[int(index) + 1 :])
            elif what == "col":
                self._ask_color(ticket, specs, int(index))
            else:
                self._ask_minutes(ticket, specs, int(index))

        self.app.push_screen(
            ChoiceDialog(
                f"Parts of #{ticket.id} {ticket.bike_code}",
                options,
                scan_note=f"#{ticket.id}'s parts were not changed",
            ),
            chosen,
        )

    def _ask_minutes(self, ticket: TicketView, specs: list[dict[str, Any]], index: int) -> None:
        name = ticket.ticket_parts[index]["part_name"]

        def typed(text: str | None) -> None:
            if not text:
                return
            if not text.isdigit() or int(text) <= 0:
                self.set_status("Minutes are a whole number above 0.", error=True)
                return
            changed = [dict(s) for s in specs]
            changed[index]["minutes"] = int(text)
            self._save(ticket, changed)

        self.app.push_screen(
            TextDialog(
                f"Minutes for {name} (#{ticket.id})",
                detail=f"Now {specs[index]['minutes']} min.",
                placeholder=str(specs[index]["minutes"]),
                required=True,
                scan_note=f"#{ticket.id}'s parts were not changed",
            ),
            typed,
        )

    def _ask_color(self, ticket: TicketView, specs: list[dict[str, Any]], index: int) -> None:
        def picked(color: str | None) -> None:
            if color is not None:
                changed = [dict(s) for s in specs]
                changed[index]["color"] = color
                self._save(ticket, changed)

        name = ticket.ticket_parts[index]["part_name"]
        self.app.push_screen(
            ChoiceDialog(
                f"Condition of {name} (#{ticket.id})",
                [(c, c) for c in ("green", "yellow", "red")],
                scan_note=f"#{ticket.id}'s parts were not changed",
            ),
            picked,
        )

    def _add(self, ticket: TicketView, specs: list[dict[str, Any]], parts: list[PartView]) -> None:
        def added(spec: PartSpec | None) -> None:
            if spec is not None:
                self._save(ticket, [*specs, spec.as_domain()])

        taken = {s["part_id"] for s in specs}
        self.app.push_screen(PartSpecDialog(parts, taken=taken), added)

    def _save(self, ticket: TicketView, specs: list[dict[str, Any]]) -> None:
        def saved(t: TicketView) -> None:
            self.set_status(
                f"#{t.id} {t.bike_code}: {t.total_duration} min, flag {t.flag_color}, "
                f"XP {t.xp_amount}."
            )
            self.pager.reload()

        self.act(
            "edit_parts",
            ticket.id,
            f"Saving #{ticket.id}'s parts",
            update_part_specs,
            self.me,
            ticket.id,
            specs,
            done=saved,
        )
