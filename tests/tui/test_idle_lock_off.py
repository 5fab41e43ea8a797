"""SHOPFLOOR_IDLE_LOCK_SECONDS=0 (or off) turns the idle lock off; it no longer locks at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

import pytest

from shopfloor.app import ShopfloorApp
from shopfloor.config import Settings
from shopfloor.domain import Shop
from shopfloor.screens.lock_screen import LockScreen

from ..conftest import People
from .conftest import FakeIdle, log_in


@pytest.mark.parametrize(("seconds", "locks"), [(0, False), (300, True)])
async def test_the_idle_check_locks_only_when_the_lock_is_on(
    shop: Shop, settings: Settings, people: People, seconds: int, locks: bool
) -> None:
    idle = FakeIdle()
    app = ShopfloorApp(shop, replace(settings, idle_lock_seconds=seconds), tz=UTC, idle_clock=idle)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        idle.now += 24 * 3600
        app._check_idle()  # what the one-second timer calls; called here, not waited for
        await pilot.pause()
        assert isinstance(app.screen, LockScreen) is locks
