"""First run: a shop with no users says so, shows the command, and makes the first admin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from shopfloor.app import ShopfloorApp
from shopfloor.config import Settings, load_settings
from shopfloor.domain import RuleViolation, Shop, authenticate, create_user, list_users
from shopfloor.domain.users import create_first_admin
from shopfloor.screens.dashboard_screen import DashboardScreen
from shopfloor.screens.first_run_screen import FirstRunScreen
from shopfloor.screens.login_screen import LoginScreen

from .conftest import FakeIdle, settle, steady_cursor


def text_of(app: ShopfloorApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def fill(app: ShopfloorApp, **values: str) -> None:
    for field, value in values.items():
        app.screen.query_one(f"#{field}", Input).value = value


async def test_an_empty_shop_offers_to_create_the_first_admin_with_the_command_shown(
    app: ShopfloorApp, shop: Shop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        assert "no users yet" in text_of(app, "#first-run-hint")
        assert "shopfloor user add NAME --role super_admin" in text_of(app, "#first-run-hint")
        await pilot.press(*"maria", "enter", *"good-pw-1", "enter", *"good-pw-1", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)  # signed in as the new super admin
    (maria,) = list_users(shop)
    assert (maria.username, maria.role_slugs) == ("maria", ("super_admin",))
    assert authenticate(shop, "maria", "good-pw-1").id == maria.id  # argon2id, as any user


async def test_first_run_refuses_two_different_passwords_and_creates_nobody(
    app: ShopfloorApp, shop: Shop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await fill(app, username="maria", password="good-pw-1")
        app.screen.query_one("#password2", Input).focus()
        await pilot.press(*"good-pw-2", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        assert "The two passwords differ" in text_of(app, "#login-error")
    assert list_users(shop) == []


async def test_the_login_screen_of_an_empty_shop_names_the_command_behind_the_offer(
    app: ShopfloorApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        login = app.screen_stack[-2]
        assert isinstance(login, LoginScreen)
        error = str(login.query_one("#login-error", Static).render())
        assert "no users yet" in error
        assert "shopfloor user add NAME --role super_admin" in error


async def test_a_shop_with_users_shows_the_plain_login(app: ShopfloorApp, shop: Shop) -> None:
    create_user(shop, None, "ivan", "secret-pw", roles=["technician"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app, "#login-error") == ""


def test_the_first_admin_can_only_be_made_while_the_shop_is_empty(shop: Shop) -> None:
    create_first_admin(shop, "maria", "good-pw-1")
    with pytest.raises(RuleViolation, match="already has users"):
        create_first_admin(shop, "intruder", "good-pw-1")
    assert [u.username for u in list_users(shop)] == ["maria"]


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_first_run_screen_snapshot(
    snap_compare: Callable[..., bool], app: ShopfloorApp, size: tuple[int, int]
) -> None:
    async def type_a_name(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(*"maria")
        await settle(pilot)
        steady_cursor(pilot)

    assert snap_compare(app, terminal_size=size, run_before=type_a_name)


async def test_if_someone_else_makes_the_first_user_meanwhile_the_plain_login_returns(
    app: ShopfloorApp, shop: Shop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        create_user(shop, None, "ivan", "secret-pw", roles=["super_admin"])  # the CLI, elsewhere
        await pilot.press(*"maria", "enter", *"good-pw-1", "enter", *"good-pw-1", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app, "#login-error") == ""
    assert [u.username for u in list_users(shop)] == ["ivan"]


async def test_over_ssh_an_empty_shop_shows_the_command_but_offers_no_admin_form(
    shop: Shop, settings: Settings, idle: FakeIdle
) -> None:
    remote = ShopfloorApp(shop, replace(settings, remote_terminal=True), tz=UTC, idle_clock=idle)
    async with remote.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(remote.screen, LoginScreen)
        assert "shopfloor user add NAME --role super_admin" in text_of(remote, "#login-error")
    assert list_users(shop) == []


def test_an_ssh_session_counts_as_a_remote_terminal(tmp_path: Path) -> None:
    local = load_settings({"SHOPFLOOR_DATA_DIR": str(tmp_path)})
    over_ssh = load_settings(
        {"SHOPFLOOR_DATA_DIR": str(tmp_path), "SSH_CONNECTION": "10.0.0.5 5022 10.0.0.1 22"}
    )
    assert (local.remote_terminal, over_ssh.remote_terminal) == (False, True)
