"""Find by code on the Assign board: a letter opens the search, so the digits of a bike code
typed by hand (or scanned in lower case) never assign; rework reassigned elsewhere asks."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import Shop
from shopfloor.screens.assign_screen import AssignScreen
from shopfloor.screens.dialogs import ConfirmDialog

from ..conftest import People
from .conftest import burst, log_in, settle, type_slowly
from .test_scan import highlighted
from .test_scan_in_dialogs import every_ticket, record
from .test_work import move_to, status_line
from .workshop import Workshop


async def open_board(pilot: object, app: ShopfloorApp) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await log_in(pilot, "manager")
    await pilot.press("f3")
    await settle(pilot)
    assert isinstance(app.screen, AssignScreen)


async def test_a_bike_code_typed_by_hand_finds_its_ticket_and_assigns_nothing(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    before = record(shop, people, every_ticket(workshop))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_board(pilot, app)
        await type_slowly(pilot, *"rm-1008", "enter")  # one key at a time, in lower case
        assert highlighted(app) == workshop.new[1]
        assert status_line(app).startswith(f"Found #{workshop.new[1]} RM-1008 (new)")
        assert not app.screen.query_one("#find-code", Input).display
    assert record(shop, people, every_ticket(workshop)) == before


async def test_a_lowercase_scan_on_the_board_assigns_nothing(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    before = record(shop, people, every_ticket(workshop))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_board(pilot, app)
        await burst(pilot, *"rm-1008", "enter")
        assert highlighted(app) == workshop.new[1]
    assert record(shop, people, every_ticket(workshop)) == before


async def test_a_mistyped_code_offers_the_closest_ones_and_arrows_pick_one(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_board(pilot, app)
        await type_slowly(pilot, *"RM-1018", "enter")  # one slip away from RM-1008
        assert "RM-1018: no such bike in the fleet. Closest: RM-1008" in status_line(app)
        suggestions = app.screen.query_one("#find-suggestions", OptionList)
        assert suggestions.display
        count = suggestions.option_count
        codes = [str(suggestions.get_option_at_index(n).id) for n in range(count)]
        assert "RM-1008" in codes
        await type_slowly(pilot, "down")
        suggestions.highlighted = codes.index("RM-1008")
        await type_slowly(pilot, "enter")
        assert highlighted(app) == workshop.new[1]


async def test_escape_closes_the_search_and_the_digits_assign_again(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_board(pilot, app)
        await type_slowly(pilot, "x", "1")
        field = app.screen.query_one("#find-code", Input)
        assert field.value == "x1"
        await type_slowly(pilot, "escape")
        assert not field.display
        assert app.screen.query_one("#find-code", Input).value == "x1"  # kept, hidden
        await move_to(pilot, app, workshop.new[0])
        await type_slowly(pilot, "1")
        assert "assigned to Tech1" in status_line(app)


async def test_a_code_whose_ticket_is_not_on_the_board_says_where_it_is(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_board(pilot, app)
        await type_slowly(pilot, *"RM-1009", "enter")
        assert status_line(app) == (
            f"#{workshop.running} RM-1009 is in progress with Tech1: nothing to assign here."
        )


async def test_reassigning_rework_to_another_technician_asks_naming_the_first(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    from shopfloor.domain import get_ticket

    async with app.run_test(size=(80, 24)) as pilot:
        await open_board(pilot, app)
        await move_to(pilot, app, workshop.rework)
        await type_slowly(pilot, "2")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.question == f"Reassign rework RM-1004 (#{workshop.rework})?"
        assert str(dialog.query_one(".dialog-detail", Static).render()).startswith(
            "From Tech1 to Tech2"
        )
        await type_slowly(pilot, "n")
        assert get_ticket(shop, workshop.rework).technician == people.tech1
        await type_slowly(pilot, "2", "y")
        assert isinstance(app.screen, AssignScreen)
    assert get_ticket(shop, workshop.rework).technician == people.tech2
