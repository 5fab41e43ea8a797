"""Logging in, switching role, logging out and the idle lock."""

from __future__ import annotations

from textual.widgets import Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import Shop, create_user
from shopfloor.screens.assign_screen import AssignScreen
from shopfloor.screens.dashboard_screen import DashboardScreen
from shopfloor.screens.intake_screen import IntakeScreen
from shopfloor.screens.lock_screen import LockScreen
from shopfloor.screens.login_screen import LoginScreen
from shopfloor.screens.qc_queue_screen import QcQueueScreen
from shopfloor.screens.technician_screen import TechnicianScreen
from shopfloor.screens.ticket_list_screen import TicketListScreen

from ..conftest import People
from .conftest import FakeIdle, idle_check, log_in, settle


def header_text(app: ShopfloorApp) -> str:
    return " ".join(
        str(app.screen.query_one(f"#header-{part}", Static).render())
        for part in ("title", "user", "clock")
    )


async def test_each_role_lands_on_its_home_screen(app: ShopfloorApp, people: People) -> None:
    homes = {
        "master": IntakeScreen,
        "manager": DashboardScreen,
        "tech1": TechnicianScreen,
        "qc": QcQueueScreen,
        "admin": DashboardScreen,
        "nobody": TicketListScreen,
    }
    async with app.run_test(size=(80, 24)) as pilot:
        for username, screen in homes.items():
            await log_in(pilot, username)
            assert isinstance(app.screen, screen), username
            await pilot.press("ctrl+o")
            await settle(pilot)
            assert isinstance(app.screen, LoginScreen)


async def test_header_shows_who_role_and_the_shop_clock(app: ShopfloorApp, people: People) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        text = header_text(app)
        assert "Master (master) · Master" in text
        assert "Mon 08:00:00" in text  # the frozen ManualClock, 2026-03-02 08:00 UTC


async def test_wrong_password_is_explained_and_keeps_the_user_out(
    app: ShopfloorApp, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master", "nope")
        assert isinstance(app.screen, LoginScreen)
        assert "Wrong username or password." in str(
            app.screen.query_one("#login-error", Static).render()
        )
        assert app.session is None


async def test_a_user_with_several_roles_can_switch(
    app: ShopfloorApp, shop: Shop, people: People
) -> None:
    create_user(shop, None, "marta", "secret-pw", roles=["master", "ops_manager"])
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "marta")
        assert isinstance(app.screen, DashboardScreen)  # the manager role comes first
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("down", "enter")  # Operations manager, then Master
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.session is not None
        assert app.session.role_label == "Master"
        await pilot.press("f3")  # a master may assign
        await settle(pilot)
        assert isinstance(app.screen, AssignScreen)
        await pilot.press("f7")  # ...but a master's role does not open the dashboard
        await settle(pilot)
        assert isinstance(app.screen, AssignScreen)


async def test_idle_terminal_locks_and_unlocks_with_the_same_password(
    app: ShopfloorApp, people: People, idle: FakeIdle
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        idle.now += 301
        await idle_check(pilot)  # what the app runs every second
        assert isinstance(app.screen, LockScreen)
        await pilot.press("f6")  # nothing behind the lock is reachable
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*"wrong", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*"secret-pw", "enter")
        await settle(pilot)
        assert isinstance(app.screen, QcQueueScreen)
        assert app.session is not None
        assert app.session.user.username == "qc"


async def test_locked_terminal_can_be_handed_to_someone_else(
    app: ShopfloorApp, people: People, idle: FakeIdle
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        idle.now += 400
        await idle_check(pilot)
        assert isinstance(app.screen, LockScreen)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, "tech1")
        assert isinstance(app.screen, TechnicianScreen)


async def test_the_demo_lists_its_logins_under_the_form_and_they_work(
    shop: Shop, people: People, idle: FakeIdle, settings: object
) -> None:
    from datetime import UTC

    from shopfloor.config import Settings

    assert isinstance(settings, Settings)
    app = ShopfloorApp(shop, settings, tz=UTC, idle_clock=idle, login_hint="Demo shop: tech1 …")
    async with app.run_test(size=(80, 24)) as pilot:
        hint = app.screen.query_one("#login-hint", Static)
        assert "Demo shop: tech1" in str(hint.render())
        await log_in(pilot, "tech1")
        assert isinstance(app.screen, TechnicianScreen)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query("#login-hint")  # still there for the next person


async def test_without_a_hint_the_login_form_shows_none(app: ShopfloorApp) -> None:
    async with app.run_test(size=(80, 24)):
        assert not app.screen.query("#login-hint")
