"""Keys in order: a burst of keys (auto-type, a fast typist, ``tmux send-keys``) lands
exactly where the same keys typed slowly would."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from shopfloor.app import ShopfloorApp
from shopfloor.domain import Shop, list_tickets
from shopfloor.screens.assign_screen import AssignScreen
from shopfloor.screens.login_screen import LoginScreen
from shopfloor.screens.technician_screen import TechnicianScreen
from shopfloor.screens.ticket_detail_screen import TicketDetailScreen

from ..conftest import People
from .conftest import burst, key_event, settle
from .test_work import row_keys
from .workshop import Workshop


async def test_a_login_sent_as_one_burst_with_tab_logs_in(
    app: ShopfloorApp, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, *"tech1", "tab", *"secret-pw", "enter")
        assert isinstance(app.screen, TechnicianScreen)


async def test_a_login_sent_as_one_burst_with_enter_logs_in(
    app: ShopfloorApp, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, *"tech1", "enter", *"secret-pw", "enter")
        assert isinstance(app.screen, TechnicianScreen)


async def test_a_wrong_password_burst_leaves_the_username_as_typed(
    app: ShopfloorApp, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, *"tech1", "tab", *"nope", "enter")
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#username", Input).value == "tech1"


async def test_a_whole_intake_sent_as_one_burst_keeps_the_srt_approval(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, *"master", "tab", *"secret-pw", "enter")
        await burst(pilot, "f3")
        assert isinstance(app.screen, AssignScreen)
        keys = ["f2", *"RM-1010", "enter", "x", "enter", *"45", "enter", "space", "ctrl+s"]
        await burst(pilot, *keys)
        assert isinstance(app.screen, TicketDetailScreen)
    (ticket,) = list_tickets(shop, bike_code="RM-1010").items
    assert (ticket.title, ticket.srt_total_minutes) == ("x", 45)


async def test_keys_typed_on_after_a_login_burst_reach_the_home_screen(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, *"manager", "tab", *"secret-pw", "enter", "f3", "v")
        assert isinstance(app.screen, AssignScreen)
        assert workshop.assigned in [t for t in row_keys(app)]  # v showed assigned ones too


async def test_pasted_text_keeps_its_place_among_the_keys(
    app: ShopfloorApp, people: People
) -> None:
    """A password manager may type the name and paste the password."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in [*"tech1", "tab"]:
            app.post_message(key_event(key))
        app.post_message(events.Paste("secret-pw"))
        app.post_message(key_event("enter"))
        await settle(pilot)
        assert isinstance(app.screen, TechnicianScreen)


async def test_ctrl_q_quits_even_while_keys_wait_for_a_login(
    app: ShopfloorApp, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.hold_keys()  # as while a login is being checked
        app.post_message(key_event("ctrl+q"))
        await pilot.pause()
        assert app._exit
