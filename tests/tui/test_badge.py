"""Badge and PIN at a shared terminal: a scan of the badge, then the PIN, at the login or
lock screen; the badge's keys come in one burst on the app's input clock."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import ManualClock, Shop
from shopfloor.domain.users import set_badge, set_pin
from shopfloor.screens.lock_screen import LockScreen
from shopfloor.screens.login_screen import LoginScreen
from shopfloor.screens.qc_queue_screen import QcQueueScreen
from shopfloor.screens.technician_screen import TechnicianScreen

from ..conftest import People
from .conftest import FakeIdle, burst, idle_check, log_in, settle, type_slowly
from .workshop import Workshop


@pytest.fixture
def badges(shop: Shop, people: People) -> None:
    set_badge(shop, None, people.tech1, "4711-AB")
    set_pin(shop, None, people.tech1, "2468")
    set_badge(shop, None, people.qc, "0042-QC")
    set_pin(shop, None, people.qc, "1357")


def error_line(app: ShopfloorApp) -> str:
    return str(app.screen.query_one("#login-error", Static).render())


async def scan_badge(pilot: object, code: str) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await burst(pilot, *code, "enter")  # settle lets the burst go quiet: then it is a badge


async def test_a_badge_scan_and_the_pin_log_in_at_the_login_screen(
    app: ShopfloorApp, people: People, workshop: Workshop, badges: None
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await scan_badge(pilot, "4711-ab")  # Caps Lock on: the same badge
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        assert screen.reading_pin
        assert screen.query_one("#username", Input).value == ""  # the badge is not a name
        assert error_line(app) == "Badge read: type your PIN, then enter (escape: back)."
        await type_slowly(pilot, *"2468", "enter")
        assert isinstance(app.screen, TechnicianScreen)
        assert app.session is not None
        assert app.session.user.id == people.tech1


async def test_a_wrong_pin_is_refused_and_the_pin_may_be_typed_again(
    app: ShopfloorApp, people: People, workshop: Workshop, badges: None
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await scan_badge(pilot, "4711-AB")
        await type_slowly(pilot, *"1111", "enter")
        assert isinstance(app.screen, LoginScreen)
        assert error_line(app) == "Badge or PIN not recognised."
        assert app.screen.query_one("#pin", Input).value == ""
        await type_slowly(pilot, *"2468", "enter")
        assert isinstance(app.screen, TechnicianScreen)


async def test_a_pin_typed_in_one_burst_is_a_pin_not_another_badge(
    app: ShopfloorApp, people: People, workshop: Workshop, badges: None
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await scan_badge(pilot, "4711-AB")
        await burst(pilot, *"2468", "enter")
        assert isinstance(app.screen, TechnicianScreen)


async def test_at_the_lock_screen_the_locked_user_badges_back_in(
    app: ShopfloorApp, people: People, workshop: Workshop, badges: None, idle: FakeIdle
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        idle.now += 1000
        await idle_check(pilot)
        assert isinstance(app.screen, LockScreen)
        await scan_badge(pilot, "4711-AB")
        await type_slowly(pilot, *"2468", "enter")
        assert isinstance(app.screen, TechnicianScreen)
        assert app.session is not None
        assert app.session.user.id == people.tech1


async def test_at_the_lock_screen_another_badge_takes_the_terminal_over(
    app: ShopfloorApp, people: People, workshop: Workshop, badges: None, idle: FakeIdle
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        idle.now += 1000
        await idle_check(pilot)
        await scan_badge(pilot, "0042-QC")
        await type_slowly(pilot, *"1357", "enter")
        assert isinstance(app.screen, QcQueueScreen)
        assert app.session is not None
        assert app.session.user.id == people.qc
        assert not any(isinstance(s, LockScreen) for s in app.screen_stack)


async def test_a_password_sent_in_one_burst_at_the_lock_screen_waits_for_enter(
    app: ShopfloorApp, people: People, workshop: Workshop, badges: None, idle: FakeIdle
) -> None:
    """A password manager types as fast as a scanner: no badge has that code, so the
    text stays in the field and a deliberate enter tries it as the password."""
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        idle.now += 1000
        await idle_check(pilot)
        await burst(pilot, *"secret-pw", "enter")
        screen = app.screen
        assert isinstance(screen, LockScreen)
        assert not screen.reading_pin
        assert screen.query_one("#password", Input).value == "secret-pw"
        assert "no badge; enter tries it as the password" in error_line(app)
        await type_slowly(pilot, "enter")
        assert isinstance(app.screen, TechnicianScreen)


async def test_a_username_sent_in_one_burst_is_a_username_not_a_badge(
    app: ShopfloorApp, people: People, workshop: Workshop, badges: None
) -> None:
    """``tmux send-keys tech1 Enter``, then the password in a second burst."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, *"tech1", "enter")
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        assert not screen.reading_pin
        assert screen.query_one("#username", Input).value == "tech1"
        assert screen.query_one("#password", Input).has_focus
        await burst(pilot, *"secret-pw", "enter")
        assert isinstance(app.screen, TechnicianScreen)


async def test_escape_leaves_the_pin_for_the_username_and_password(
    app: ShopfloorApp, people: People, workshop: Workshop, badges: None
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await scan_badge(pilot, "4711-AB")
        await type_slowly(pilot, "escape")
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        assert not screen.reading_pin
        assert screen.query_one("#username", Input).has_focus
        assert screen.query_one("#username", Input).value == ""
        await type_slowly(pilot, *"tech1", "enter", *"secret-pw", "enter")
        assert isinstance(app.screen, TechnicianScreen)


async def test_the_lock_screen_keeps_the_locked_users_running_timer_in_view(
    app: ShopfloorApp, clock: ManualClock, people: People, workshop: Workshop, idle: FakeIdle
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        idle.now += 1000
        await idle_check(pilot)
        screen = app.screen
        assert isinstance(screen, LockScreen)
        line = screen.query_one("#lock-timer", Static)
        assert str(line.render()) == f"RUNNING #{workshop.running} RM-1009 0:12:34"
        clock.advance(seconds=5)
        screen.tick()
        assert str(line.render()) == f"RUNNING #{workshop.running} RM-1009 0:12:39"
