"""All tickets (everyone): newest first, one page at a time, filtered by status."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import keys
from ..domain import Page, TicketStatus, TicketView, list_tickets
from ..widgets.formatting import local_time, srt_alarm, srt_vs_worked, status_label, ticket_status
from ..widgets.ticket_pager import Column, TicketPager
from .paged import PagedTicketsScreen

PER_PAGE = 50
FILTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("active", tuple(s.value for s in TicketStatus if s is not TicketStatus.DONE)),
    ("all", ()),
    *((status_label(s.value), (s.value,)) for s in TicketStatus),
)


class TicketListScreen(PagedTicketsScreen):
    """Browse every ticket; enter opens one."""

    TITLE = "Tickets"
    BINDINGS = keys.TICKET_LIST

    def __init__(self) -> None:
        super().__init__()
        self.filter_index = 0

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
        return list_tickets(self.shop, page=page, per_page=PER_PAGE, status=statuses or None)

    def on_mount(self) -> None:
        self._show_filter()

    def _show_filter(self) -> None:
        self.set_status(f"Showing {FILTERS[self.filter_index][0]} tickets · s to change")

    def action_cycle_status(self) -> None:
        self.filter_index = (self.filter_index + 1) % len(FILTERS)
        self.pager.page_number = 1
        self._show_filter()
        self.pager.reload()
