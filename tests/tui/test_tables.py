"""Ticket tables: rows, never columns, scroll; numbers are never cut; wide terminals are used."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import (
    ManualClock,
    Shop,
    assign_ticket,
    create_bike,
    create_ticket,
    send_to_qc,
    start_ticket,
)
from shopfloor.screens.qc_queue_screen import QcQueueScreen
from shopfloor.widgets.ticket_pager import Column, TicketPager, column_widths

from ..conftest import People
from ..factories import CHECKLIST
from .conftest import settle, sign_in

LONG_TITLE = "Lights and wiring harness replacement"


def fill_qc_queue(shop: Shop, clock: ManualClock, people: People, waiting: int) -> list[int]:
    """Tickets up past #100, the last ``waiting`` of them waiting for QC."""
    ids: list[int] = []
    for n in range(110):
        code = f"RM-{2000 + n}"
        create_bike(shop, people.master, code)
        ticket = create_ticket(
            shop,
            people.master,
            bike_code=code,
            title=LONG_TITLE,
            checklist=list(CHECKLIST),
            srt_total_minutes=30,
            approve_srt=True,
        )
        ids.append(ticket.id)
        clock.advance(minutes=1)
    queued = ids[-waiting:]
    for n, ticket_id in enumerate(queued):
        tech = people.tech1 if n % 2 else people.tech2
        assign_ticket(shop, people.manager, ticket_id, tech)
        start_ticket(shop, tech, ticket_id)
        send_to_qc(shop, tech, ticket_id)
    return queued


def cell_widths(app: ShopfloorApp) -> dict[str, int]:
    table = app.screen.query_one(TicketPager).table
    return {str(c.label): c.width for c in table.ordered_columns}


async def test_end_and_page_down_move_rows_and_numbers_stay_whole(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People
) -> None:
    queued = fill_qc_queue(shop, clock, people, 60)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "qc")
        assert isinstance(app.screen, QcQueueScreen)
        table = app.screen.query_one(TicketPager).table
        assert table.row_count == 50  # one page
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_row == 49
        assert table.scroll_x == 0
        await pilot.press("home", "pagedown", "pagedown")
        await settle(pilot)
        assert table.cursor_row > 0
        assert table.scroll_x == 0
        assert table.max_scroll_x == 0  # nothing to scroll sideways to
        assert cell_widths(app)["#"] >= len(str(max(queued)))
        assert str(table.get_row_at(49)[0]) == str(queued[49])


@pytest.mark.parametrize("width", [120, 200])
async def test_columns_grow_with_the_terminal(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, width: int
) -> None:
    fill_qc_queue(shop, clock, people, 3)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "qc")
        narrow = cell_widths(app)
        checklist_narrow = app.screen.query_one("#qc-checklist").size.width
        await pilot.resize_terminal(width, 30)
        await settle(pilot)
        wide = cell_widths(app)
        assert wide["Title"] > narrow["Title"]
        assert app.screen.query_one("#qc-checklist").size.width > checklist_narrow
        table = app.screen.query_one(TicketPager).table
        assert table.max_scroll_x == 0
        assert wide["Title"] >= {120: 20, 200: len(LONG_TITLE)}[width]
        checklist = str(app.screen.query_one("#checklist", Static).render())
        assert "Inspect frame" in checklist


def test_column_widths_fit_numbers_share_the_rest_and_give_way_when_narrow() -> None:
    columns = [
        Column("#", lambda t: str(t.id), 3, fit=True),
        Column("Title", lambda t: t.title, 6, grow=2),
        Column("Tech", lambda t: "", 4, grow=1),
    ]
    cells = [["1690", "Brakes", "Ivan"]]
    assert column_widths(columns, cells, 40) == [4, 6 + 17, 4 + 9]  # 26 spare, shared 2:1
    assert column_widths(columns, cells, 12) == [4, 5, 4]  # title gives way first
    assert column_widths(columns, cells, 3)[0] == 4  # a number is never cut
