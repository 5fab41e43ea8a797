"""Leaving with your own timer running (ctrl+q, ctrl+o) asks first: pause it, stop it,
leave it running, or cancel."""

from __future__ import annotations

from shopfloor.app import ShopfloorApp
from shopfloor.domain import Shop, open_session_of, set_timer_rules
from shopfloor.screens.dialogs import TimerGuardDialog
from shopfloor.screens.login_screen import LoginScreen
from shopfloor.screens.technician_screen import TechnicianScreen

from ..conftest import People
from .conftest import log_in, settle
from .workshop import Workshop


def timer_status(shop: Shop, people: People) -> str | None:
    session = open_session_of(shop, people.tech1)
    return session.status if session else None


async def test_logging_out_with_the_timer_running_can_pause_it(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, TimerGuardDialog)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
    assert timer_status(shop, people) == "paused"


async def test_logging_out_can_stop_the_timer_even_with_the_pause_budget_used_up(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    set_timer_rules(shop, None, pause_budget_minutes=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, TimerGuardDialog)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
    assert timer_status(shop, people) is None  # stopped: no open timer is left


async def test_logging_out_can_leave_the_timer_running(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
    assert timer_status(shop, people) == "running"


async def test_quitting_with_the_timer_running_can_be_cancelled(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, TimerGuardDialog)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, TechnicianScreen)
        assert app.is_running
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause()
        assert not app.is_running or app._exit
    assert timer_status(shop, people) == "running"


async def test_without_a_running_timer_logging_out_asks_nothing(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech2")  # tech2 has no open timer
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)


async def test_a_second_ctrl_o_while_asked_opens_no_second_question(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert sum(isinstance(s, TimerGuardDialog) for s in app.screen_stack) == 1
