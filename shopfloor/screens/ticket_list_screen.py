"""All tickets (everyone): newest first, one page at a time, filtered by status; found by
bike code, title, technician or note (forgiving typos), a technician and dates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from .. import keys
from ..domain import Page, TicketStatus, TicketView, UserView, list_tickets, list_users
from ..domain.search import search_tickets
from ..widgets.formatting import local_time, srt_alarm, srt_vs_worked, status_label, ticket_status
from ..widgets.ticket_pager import Column, TicketPager
from .admin_dialogs import Field, FormDialog
from .bike_history_screen import BikeHistoryScreen
from .dialogs import ChoiceDialog
from .paged import PagedTicketsScreen

PER_PAGE = 50
FILTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("active", tuple(s.value for s in TicketStatus if s is not TicketStatus.DONE)),
    ("all", ()),
    *((status_label(s.value), (s.value,)) for s in TicketStatus),
)


@dataclass(frozen=True)
class Search:
    """What the list is narrowed to, besides the status filter (nothing: every ticket)."""

    text: str = ""
    technician: UserView | None = None
    since: date | None = None
    until: date | None = None

    def __bool__(self) -> bool:
        return bool(self.text or self.technician or self.since or self.until)

    def said(self) -> str:
        parts = [f"matching {self.text!r}"] if self.text else []
        if self.technician is not None:
            parts.append(f"of {self.technician.display_name}")
        if self.since or self.until:
            parts.append(f"taken in {self.since or '…'} to {self.until or '…'}")
        return " ".join(parts)


def parse_day(text: str, today: date) -> date | None:
    """A day as typed: ``2026-03-01``, ``today``, ``-7`` (days ago), blank (no bound)."""
    text = text.strip().lower()
    if not text:
        return None
    if text == "today":
        return today
    if text.startswith("-") and text[1:].isdigit():
        return today - timedelta(days=int(text[1:]))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a day; write it as YYYY-MM-DD, today, or -7 (7 days ago)."
        ) from None


class TicketListScreen(PagedTicketsScreen):
    """Browse every ticket, or find some; enter opens one, h its bike's history."""

    TITLE = "Tickets"
    BINDINGS = [*keys.TICKET_LIST, *keys.TICKET_FIND]

    def __init__(self) -> None:
        super().__init__()
        self.filter_index = 0
        self.search = Search()

    def compose_body(self) -> Iterable[Any]:
        tz = self.shop_app.tz
        yield TicketPager(
            [
                Column("#", lambda t: str(t.id), 3, fit=True),
                Column("Bike", lambda t: t.bike_code, 7, fit=True),
                Column("Title", lambda t: t.title, 8, grow=2, wrap=True),
                Column("Status", ticket_status, 11, wrap=True),
                Column("Technician", lambda t: t.technician_name or "-", 10, grow=1, drop=2),
                Column("Worked/SRT", srt_vs_worked, 10, fit=True, marker=srt_alarm),
                Column("Created", lambda t: local_time(t.created_at, tz), 12, drop=3),
            ],
            self._load,
            id="tickets",
        )

    def _load(self, page: int) -> Page[TicketView]:
        statuses = FILTERS[self.filter_index][1]
        search = self.search
        if not search:
            return list_tickets(self.shop, page=page, per_page=PER_PAGE, status=statuses or None)
        return search_tickets(
            self.shop,
            self.me,
            search.text or None,
            technician_id=search.technician.id if search.technician else None,
            since=search.since,
            until=search.until,
            status=",".join(statuses) or None,
            page=page,
            per_page=PER_PAGE,
        )

    def on_mount(self) -> None:
        self._show_filter()

    def _show_filter(self) -> None:
        shown = FILTERS[self.filter_index][0]
        if self.search:
            self.set_status(f"{shown.capitalize()} tickets {self.search.said()} · c clears")
        else:
            self.set_status(f"Showing {shown} tickets · s to change · / finds")

    def _narrow(self, search: Search) -> None:
        self.search = search
        self.pager.page_number = 1
        self._show_filter()
        self.pager.reload()

    def action_cycle_status(self) -> None:
        self.filter_index = (self.filter_index + 1) % len(FILTERS)
        self._narrow(self.search)

    def action_find(self) -> None:
        def given(answers: dict[str, str] | None) -> None:
            if answers is not None:
                self._narrow(replace(self.search, text=answers["text"]))

        self.app.push_screen(
            FormDialog(
                "Find tickets",
                [Field("text", "Find", value=self.search.text)],
                detail="A bike code (a slip is forgiven: RM-1O05), words of the title or a "
                "note, a technician or #number; several words narrow it. t: technician, "
                "w: dates, c: clear.",
                scan_note="the search was not changed",
            ),
            given,
        )

    def action_pick_technician(self) -> None:
        def chosen(users: list[UserView]) -> None:
            options = [("Anyone", "")] + [(u.display_name, str(u.id)) for u in users]

            def picked(value: str | None) -> None:
                if value is not None:
                    who = next((u for u in users if str(u.id) == value), None)
                    self._narrow(replace(self.search, technician=who))

            self.app.push_screen(
                ChoiceDialog(
                    "Tickets of which technician?",
                    options,
                    scan_note="the search was not changed",
                ),
                picked,
            )

        self.call(list_users, role="technician", done=chosen)

    def action_pick_days(self) -> None:
        today = self.shop_app.local_now().date()

        def given(answers: dict[str, str] | None) -> None:
            if answers is None:
                return
            try:
                since = parse_day(answers["since"], today)
                until = parse_day(answers["until"], today)
            except ValueError as exc:
                self.set_status(str(exc), error=True)
                return
            self._narrow(replace(self.search, since=since, until=until))

        search = self.search
        self.app.push_screen(
            FormDialog(
                "Tickets taken in from … to …",
                [
                    Field("since", "From", value=str(search.since or "")),
                    Field("until", "To", value=str(search.until or "")),
                ],
                detail="Days as YYYY-MM-DD, today, or -7 (seven days ago); blank: no bound.",
                scan_note="the search was not changed",
            ),
            given,
        )

    def action_clear_find(self) -> None:
        if self.search:
            self._narrow(Search())

    def action_bike_history(self) -> None:
        ticket = self.pager.highlighted
        if ticket is not None:
            self.app.push_screen(BikeHistoryScreen(ticket.bike))
