"""The frame of screens built around one paged ticket list."""

from __future__ import annotations

from ..widgets.ticket_pager import TicketPager
from .base import ShopScreen
from .ticket_detail_screen import TicketDetailScreen


class PagedTicketsScreen(ShopScreen):
    """A screen whose main part is a :class:`TicketPager`: paging, opening, refreshing."""

    def __init__(self) -> None:
        super().__init__()
        self._select: tuple[int, str] | None = None

    @property
    def pager(self) -> TicketPager:
        return self.query_one(TicketPager)

    def on_mount(self) -> None:
        self.pager.focus_table()
        if self._select is not None:
            self.pager.want = self._select[0]

    def select_ticket(self, ticket_id: int, message: str = "") -> None:
        """Highlight ``ticket_id`` (on whichever page holds it), then say ``message``."""
        self._select = (ticket_id, message)
        if self.is_mounted:
            self.pager.want = ticket_id
            self.refresh_data()

    def on_ticket_pager_loaded(self, event: TicketPager.Loaded) -> None:
        selecting, self._select = self._select, None
        if selecting is None:
            return
        ticket = self.pager.highlighted
        if ticket is not None and ticket.id == selecting[0]:
            self.set_status(selecting[1])
        else:
            self.set_status(f"Ticket #{selecting[0]} is not in this list.", error=True)

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
