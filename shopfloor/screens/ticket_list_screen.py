"""All tickets (everyone): newest first, one page at a time, filtered by status."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import keys
from ..domain import Page, TicketStatus, TicketView, list_tickets
from ..widgets.formatting import hm, local_time, status_label
from ..widgets.ticket_pager import Column, TicketPager
from .base import ShopScreen
from .ticket_detail_screen import TicketDetailScreen

PER_PAGE = 50
FILTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("active", tuple(s.value for s in TicketStatus if s is not TicketStatus.DONE)),
    ("all", ()),
    *((status_label(s.value), (s.value,)) for s in TicketStatus),
)


class TicketListScreen(ShopScreen):
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
                Column("#", lambda t: str(t.id), 4),
                Column("Bike", lambda t: t.bike_code, 9),
                Column("Title", lambda t: t.title, 11),
                Column("Status", lambda t: status_label(t.status), 11),
                Column("Technician", lambda t: t.technician_name or "-", 12),
                Column("Worked", lambda t: hm(t.worked_seconds), 6),
                Column("Created", lambda t: local_time(t.created_at, tz), 12),
            ],
            self._load,
            id="tickets",
        )

    def _load(self, page: int) -> Page[TicketView]:
        statuses = FILTERS[self.filter_index][1]
        return list_tickets(self.shop, page=page, per_page=PER_PAGE, status=statuses or None)

    @property
    def pager(self) -> TicketPager:
        return self.query_one(TicketPager)

    def on_mount(self) -> None:
        super().on_mount()
        self.pager.focus_table()
        self._show_filter()

    def refresh_data(self) -> None:
        self.pager.reload()

    def _show_filter(self) -> None:
        self.set_status(f"Showing {FILTERS[self.filter_index][0]} tickets · s to change")

    def action_cycle_status(self) -> None:
        self.filter_index = (self.filter_index + 1) % len(FILTERS)
        self.pager.page_number = 1
        self._show_filter()
        self.pager.reload()

    def action_page(self, delta: int) -> None:
        self.pager.turn(delta)

    def action_open_ticket(self) -> None:
        ticket = self.pager.highlighted
        if ticket is not None:
            self.app.push_screen(TicketDetailScreen(ticket.id))

    def on_ticket_pager_selected(self, event: TicketPager.Selected) -> None:
        self.app.push_screen(TicketDetailScreen(event.ticket.id))
