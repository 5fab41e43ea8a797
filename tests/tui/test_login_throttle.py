"""The terminal's login is throttled by the same rule, in the same table, as the API's,
counted per terminal: one terminal's mistakes never lock the others."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

import pytest
from textual.widgets import Static

from shopfloor.app import ShopfloorApp
from shopfloor.config import Settings
from shopfloor.domain import Shop, TooManyAttempts, authenticate
from shopfloor.screens.login_screen import LoginScreen
from shopfloor.screens.technician_screen import TechnicianScreen

from ..conftest import People
from .conftest import FakeIdle, log_in, settle


async def test_repeated_wrong_passwords_lock_the_username_with_a_wait_at_this_terminal_only(
    app: ShopfloorApp, shop: Shop, people: People, settings: Settings, idle: FakeIdle
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"tech1", "enter")
        for _ in range(5):
            await pilot.press(*"nope", "enter")  # the username stays; the password is cleared
            await settle(pilot)
        await pilot.press(*"secret-pw", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.session is None
        message = str(app.screen.query_one("#login-error", Static).render())
        assert message == "Too many failed logins; wait 300 seconds before trying again."
    # The count is in the database, under this terminal's name: the same terminal after
    # a restart still refuses, another terminal lets tech1 in.
    with pytest.raises(TooManyAttempts):
        authenticate(app.shop, "tech1", "secret-pw", client=app.terminal_client)
    other = replace(settings, terminal_id="bay-2")
    second = ShopfloorApp(shop, other, tz=UTC, idle_clock=idle)
    async with second.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        assert isinstance(second.screen, TechnicianScreen)
