"""TUI fixtures: a SQLite shop with a frozen clock, the app, and helpers to drive it."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import REPLACED_KEYS, App, _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerCancelled

from shopfloor.app import ShopfloorApp
from shopfloor.config import Settings
from shopfloor.domain import ManualClock, Shop, find_user
from shopfloor.domain.database import create_db_engine
from shopfloor.screens.intake_screen import IntakeScreen
from shopfloor.widgets.timer import WorkTimer

from ..conftest import People, fast_hasher
from .workshop import Workshop, build_workshop


class FakeIdle:
    """A monotonic clock for the idle lock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shop(sqlite_url: str, clock: ManualClock) -> Iterator[Shop]:
    """The TUI tests run on SQLite: one file that two app instances can share."""
    engine = create_db_engine(sqlite_url)
    shop = Shop(engine, clock=clock, hasher=fast_hasher())
    yield shop
    shop.dispose()


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=sqlite_url, idle_lock_seconds=300)


@pytest.fixture
def idle() -> FakeIdle:
    return FakeIdle()


@pytest.fixture
def app(shop: Shop, settings: Settings, idle: FakeIdle) -> ShopfloorApp:
    return ShopfloorApp(shop, settings, tz=UTC, idle_clock=idle)


@pytest.fixture
def workshop(shop: Shop, clock: ManualClock, people: People) -> Workshop:
    return build_workshop(shop, clock, people)


async def settle(pilot: Pilot[None], rounds: int = 3) -> None:
    """Let every worker finish and its result reach the screen (results may start more).

    Keys the scan detector still holds (they could be the start of a scan) are handed
    on as the app does once the burst goes quiet: the input clock moves past the scan gap.
    """
    for _ in range(rounds):
        await pilot.pause()
        await workers_done(pilot.app)
    await pilot.pause()
    app = pilot.app
    if isinstance(app, ShopfloorApp) and app.scanner.holding:
        await quiet(pilot)


async def quiet(pilot: Pilot[None]) -> None:
    """The keyboard goes quiet (longer than a scanner's gap): held keys are handed on."""
    app = pilot.app
    assert isinstance(app, ShopfloorApp)
    idle = app.idle_clock
    assert isinstance(idle, FakeIdle), "tests drive the app's input clock"
    idle.now += app.scanner.max_gap * 2
    app.expire_scan()
    await settle(pilot)


async def type_slowly(pilot: Pilot[None], *keys: str) -> None:
    """Keys as a person types them: the input clock moves on between them, so they are
    never a burst (a scan, or a badge at the login and lock screens)."""
    for key in keys:
        await quiet(pilot)
        await pilot.press(key)
    await settle(pilot)


async def workers_done(app: App[Any]) -> None:
    """Wait for the app's current workers. One cancelled because a newer one of its
    group replaced it (``exclusive``, as the screens' refreshes are) is not a failure;
    any other error still fails the test."""
    outcomes = await asyncio.gather(*(w.wait() for w in list(app.workers)), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, WorkerCancelled):
            raise outcome


def key_event(key: str) -> events.Key:
    """The Key event a terminal sends for ``key`` (a character or a key name, as Pilot takes)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(
            _get_unicode_name_from_key(REPLACED_KEYS.get(key, key))
        )
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


async def burst(pilot: Pilot[None], *keys: str) -> None:
    """Keys as one fast burst (auto-type, a scanner, ``tmux send-keys``): every key is
    queued before the first is handled, unlike ``pilot.press`` which waits after each."""
    for key in keys:
        pilot.app.post_message(key_event(key))
    await settle(pilot)


async def log_in(pilot: Pilot[None], username: str, password: str = "secret-pw") -> None:
    """Type the credentials into the login screen, as a person would."""
    await pilot.press(*username, "enter", *password, "enter")
    await settle(pilot)


async def sign_in(pilot: Pilot[None], username: str) -> None:
    """Skip the login form (snapshots of other screens): start the session directly."""
    app = pilot.app
    assert isinstance(app, ShopfloorApp)
    await settle(pilot)
    app.sign_in(find_user(app.shop, username))
    await settle(pilot)


async def read_bike_state(pilot: Pilot[None]) -> None:
    """Do now what Intake does once typing pauses (read the bike code's state)."""
    screen = pilot.app.screen
    if isinstance(screen, IntakeScreen):
        screen._read_state()
    await settle(pilot)


async def idle_check(pilot: Pilot[None]) -> None:
    """Run the app's once-a-second idle check now."""
    app = pilot.app
    assert isinstance(app, ShopfloorApp)
    app._check_idle()
    await settle(pilot)


async def poll(pilot: Pilot[None]) -> None:
    """Run the app's live-refresh poll now and let the screens re-read."""
    app = pilot.app
    assert isinstance(app, ShopfloorApp)
    app._poll()
    await settle(pilot)


async def tick(pilot: Pilot[None]) -> None:
    """Run the work timer's once-a-second tick now (it reads the shop's ManualClock)."""
    for timer in pilot.app.screen.query(WorkTimer):
        timer.tick()
    await settle(pilot)


def steady_cursor(pilot: Pilot[None]) -> None:
    """Stop text cursors blinking so a snapshot never catches one half-way."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
