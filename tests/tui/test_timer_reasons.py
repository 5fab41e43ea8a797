"""The technician's pause reasons and parking a bike, driven by keys."""

from __future__ import annotations

from shopfloor.app import ShopfloorApp
from shopfloor.domain import (
    Shop,
    get_ticket,
    open_session_of,
    work_session_history,
)
from shopfloor.screens.dialogs import TextDialog
from shopfloor.screens.technician_screen import ReasonDialog
from shopfloor.widgets.ticket_pager import TicketPager

from ..conftest import People
from .conftest import log_in, settle
from .test_work import move_to, status_line
from .workshop import Workshop


async def test_p_then_one_digit_pauses_with_that_reason(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("3")  # 3 = break
        await settle(pilot)
        assert "Timer paused: Break." in status_line(app)
    assert open_session_of(shop, people.tech1).status == "paused"  # type: ignore[union-attr]
    assert work_session_history(shop, workshop.running)[0].metadata["reason"] == "break"


async def test_other_asks_for_a_note_and_escape_leaves_the_timer_running(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert open_session_of(shop, people.tech1).status == "running"  # type: ignore[union-attr]
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("5")  # other
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"Fire drill", "enter")
        await settle(pilot)
    paused = work_session_history(shop, workshop.running)[0]
    assert (paused.metadata["reason"], paused.metadata["note"]) == ("other", "Fire drill")


async def test_w_parks_the_bike_for_parts_and_the_technician_starts_another(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await move_to(pilot, app, workshop.running)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("1")  # waiting for parts
        await settle(pilot)
        assert "parked (Waiting for parts); you can start another bike" in status_line(app)
        table = app.screen.query_one(TicketPager).table
        row = table.get_row_index(str(workshop.running))
        assert "waiting for parts" in [str(c) for c in table.get_row_at(row)]
        await move_to(pilot, app, workshop.assigned)
        await pilot.press("s")
        await settle(pilot)
        assert "Timer started on" in status_line(app)
    parked = get_ticket(shop, workshop.running)
    assert (parked.status, parked.technician, parked.parked_reason) == (
        "assigned",
        people.tech1,
        "Waiting for parts",
    )
    assert get_ticket(shop, workshop.assigned).status == "in_progress"
