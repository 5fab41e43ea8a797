"""The terminal's login is throttled by the same rule, in the same table, as the API's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import TooManyAttempts, log_in
from shopfloor.domain.throttle import TERMINAL_CLIENT
from shopfloor.screens.login_screen import LoginScreen

from ..conftest import People
from .conftest import settle

WEEK = timedelta(days=7)


async def test_repeated_wrong_passwords_lock_the_username_with_a_wait(
    app: ShopfloorApp, people: People
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
    # The count is in the database: another terminal (or the API, for this client) sees it.
    with pytest.raises(TooManyAttempts):
        log_in(app.shop, "tech1", "secret-pw", client=TERMINAL_CLIENT, refresh_lifetime=WEEK)
