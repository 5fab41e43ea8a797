"""One press, one action, on the ticket the person saw: double taps, repeat presses
while an action runs, and tickets that moved on at another terminal."""

from __future__ import annotations

import sqlite3

from textual.widgets import Label, Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import Shop, assign_ticket, get_ticket, list_tickets
from shopfloor.screens.assign_screen import AssignScreen
from shopfloor.screens.dialogs import ConfirmDialog
from shopfloor.screens.qc_queue_screen import QcQueueScreen
from shopfloor.widgets.ticket_pager import TicketPager

from ..conftest import People
from .conftest import FakeIdle, burst, log_in, settle
from .test_work import move_to, row_keys, status_line
from .workshop import Workshop


def done_count(shop: Shop) -> int:
    return list_tickets(shop, status="done").total_count


async def test_qc_pass_shows_the_bike_code_and_p_p_passes_nothing_until_confirmed(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    before = done_count(shop)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        await burst(pilot, "p", "p")
        assert isinstance(app.screen, ConfirmDialog)
        assert "RM-1003" in str(app.screen.query_one(Label).render())
        assert done_count(shop) == before
        await burst(pilot, "y")
        assert isinstance(app.screen, QcQueueScreen)
        assert row_keys(app) == [workshop.waiting_qc_rework]
    assert done_count(shop) == before + 1
    assert get_ticket(shop, workshop.waiting_qc_rework).status == "waiting_qc"


async def test_a_double_tapped_pass_and_confirm_passes_one_bike(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    before = done_count(shop)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        # The input clock stands still: one instant. The second p lands while the first
        # pass runs (refused), or after it (then its y is refused as a double tap).
        await burst(pilot, "p", "y", "p", "y")
    assert done_count(shop) == before + 1
    assert get_ticket(shop, workshop.waiting_qc_rework).status == "waiting_qc"


async def test_one_one_on_the_assign_board_assigns_one_ticket(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("f3")
        await settle(pilot)
        await move_to(pilot, app, workshop.new[0])
        await burst(pilot, "1", "1")
        assert "assigned to Tech1" in status_line(app) or "ignored" in status_line(app)
    assert get_ticket(shop, workshop.new[0]).technician == people.tech1
    assert get_ticket(shop, workshop.new[1]).status == "new"  # the next one was not touched


async def test_a_second_assignment_after_the_double_tap_time_is_taken(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop, idle: FakeIdle
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("f3")
        await settle(pilot)
        await move_to(pilot, app, workshop.new[0])
        await burst(pilot, "1")
        idle.now += 1  # a second later: a deliberate second press
        await move_to(pilot, app, workshop.new[1])
        await burst(pilot, "2")
    assert get_ticket(shop, workshop.new[0]).technician == people.tech1
    assert get_ticket(shop, workshop.new[1]).technician == people.tech2


async def test_a_ticket_assigned_elsewhere_meanwhile_is_not_reassigned(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("f3")
        await settle(pilot)
        await move_to(pilot, app, workshop.new[0])
        assert isinstance(app.screen, AssignScreen)
        # Another terminal assigns it to tech1 before this board refreshed.
        assign_ticket(shop, people.master, workshop.new[0], people.tech1)
        await burst(pilot, "2")
        assert "no longer new" in status_line(app)
    assert get_ticket(shop, workshop.new[0]).technician == people.tech1


async def test_a_press_while_the_last_action_runs_is_refused(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AssignScreen)
        screen._acting = "assigning #7"  # as if the first press's worker had not returned
        await burst(pilot, "2")
        assert "Still assigning #7; that key press was ignored." in status_line(app)
        assert str(screen.query_one("#status-line", Static).render()).startswith("Still")


async def test_a_repeat_press_after_the_first_acted_is_a_double_tap_not_a_second_ticket(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("f3")
        await settle(pilot)
        await move_to(pilot, app, workshop.new[0])
        await burst(pilot, "1")  # assigned, and the list moved the highlight to new[1]
        assert get_ticket(shop, workshop.new[0]).technician == people.tech1
        await burst(pilot, "1")  # the same instant on the input clock: the tap's echo
        assert "double tap" in status_line(app)
    assert get_ticket(shop, workshop.new[1]).status == "new"


# --- a busy database --------------------------------------------------------------------------


async def test_an_action_waiting_on_a_locked_database_says_so_and_keys_still_work(
    app: ShopfloorApp, shop: Shop, sqlite_url: str, people: People, workshop: Workshop
) -> None:
    before = done_count(shop)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            await pilot.press("p", "y")
            assert "Passing QC on #3 RM-1003… (waiting for the shop database)" in status_line(app)
            await pilot.press("down")  # the terminal answers keys meanwhile
            assert highlighted_id(app) == workshop.waiting_qc_rework
            await pilot.press("p")  # a second action while the first waits is refused
            assert "Still passing QC on #3" in status_line(app)
            assert done_count(shop) == before
        finally:
            holder.rollback()
            holder.close()
        await settle(pilot)
        assert "#3 RM-1003 passed QC" in status_line(app)
    assert done_count(shop) == before + 1


def highlighted_id(app: ShopfloorApp) -> int | None:
    ticket = app.screen.query_one(TicketPager).highlighted
    return ticket.id if ticket else None
