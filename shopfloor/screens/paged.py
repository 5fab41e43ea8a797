"""The frame of screens built around one paged ticket list."""

from __future__ import annotations

from ..widgets.ticket_pager import TicketPager
from .base import ShopScreen
from .ticket_detail_screen import TicketDetailScreen


class PagedTicketsScreen(ShopScreen):
    """A screen whose main part is a :class:`TicketPager`: paging, opening, refreshing."""

    @property
    def pager(self) -> TicketPager:
        return self.query_one(TicketPager)

    def on_mount(self) -> None:
        self.pager.focus_table()

    def refresh_data(self) -> None:
        self.pager.reload()

    def action_page(self, delta: int) -> None:
        self.pager.turn(delta)

    def action_open_ticket(self) -> None:
        ticket = self.pager.highlighted
        if ticket is not None:
            self.app.push_screen(TicketDetailScreen(ticket.id))

    def on_ticket_pager_selected(self, event: TicketPager.Selected) -> None:
        self.app.push_screen(TicketDetailScreen(event.ticket.id))
