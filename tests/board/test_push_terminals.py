"""Two terminals on PostgreSQL: what one does is pushed to the other, with no poll.

The app's once-a-second tick is kept out of the way; the test ticks once by hand, which
on PostgreSQL starts the terminal's feed instead of reading the change marker. After
that nothing is polled: the other terminal refreshes because the commit notified it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from shopfloor.app import ShopfloorApp
from shopfloor.config import Settings
from shopfloor.domain import ManualClock, Shop, get_ticket
from shopfloor.domain.database import create_db_engine
from shopfloor.widgets.ticket_pager import TicketPager

from ..conftest import People, fast_hasher
from ..tui.conftest import FakeIdle, log_in
from ..tui.workshop import Workshop, build_workshop

pytestmark = pytest.mark.postgres
NEVER = 3600.0
LIMIT = 10.0


@pytest.fixture
def shop(pg_shop: Shop) -> Shop:
    return pg_shop


async def settle_screens(pilot: Pilot[None]) -> None:
    """Let the screens' workers finish (the feed's own worker runs for the app's life)."""
    for _ in range(3):
        await pilot.pause()
        workers = [w for w in pilot.app.workers if w.group != "listen"]
        outcomes = await asyncio.gather(*(w.wait() for w in workers), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(outcome, WorkerCancelled):
                raise outcome
    await pilot.pause()


async def listening(pilot: Pilot[None]) -> asyncio.Event:
    """Start the app's feed (its first tick) and wait until it listens; the event is set
    each time a change is pushed to the app's screens from then on."""
    app = pilot.app
    assert isinstance(app, ShopfloorApp)
    pushed = asyncio.Event()
    refresh = app._shop_changed

    def noted() -> None:
        refresh()
        pushed.set()

    app._shop_changed = noted  # type: ignore[method-assign]
    app._poll()
    while app._feed is None:
        await pilot.pause()
    assert await asyncio.to_thread(app._feed.connected.wait, LIMIT)
    await asyncio.wait_for(pushed.wait(), LIMIT)  # the feed's first call, on connect
    await settle_screens(pilot)
    pushed.clear()
    return pushed


def rows(app: ShopfloorApp) -> list[str]:
    table = app.screen.query_one(TicketPager).table
    return [str(table.coordinate_to_cell_key((r, 0)).row_key.value) for r in range(table.row_count)]


async def test_an_assignment_at_one_terminal_is_pushed_to_the_other(
    shop: Shop, people: People, tmp_path: Path
) -> None:
    clock = shop.clock
    assert isinstance(clock, ManualClock)
    workshop: Workshop = build_workshop(shop, clock, people)
    url = shop.engine.url.render_as_string(hide_password=False)
    settings = Settings(data_dir=tmp_path, database_url=url, idle_lock_seconds=0)
    shops = [Shop(create_db_engine(url), clock=clock, hasher=fast_hasher()) for _ in "ab"]
    manager_app, tech_app = (
        ShopfloorApp(s, settings, tz=UTC, idle_clock=FakeIdle(), poll_seconds=NEVER) for s in shops
    )
    try:
        async with (
            manager_app.run_test(size=(80, 24)) as manager,
            tech_app.run_test(size=(80, 24)) as tech,
        ):
            await log_in(manager, "manager")
            await manager.press("f3")
            await log_in(tech, "tech2")
            await listening(manager)
            pushed = await listening(tech)
            new = str(workshop.new[0])
            assert new not in rows(tech_app)

            table = manager_app.screen.query_one(TicketPager).table
            table.move_cursor(row=table.get_row_index(new))
            await manager.press("2")
            await settle_screens(manager)
            assert get_ticket(shop, workshop.new[0]).technician == people.tech2

            await asyncio.wait_for(pushed.wait(), LIMIT)
            await settle_screens(tech)
            assert new in rows(tech_app)
    finally:
        for s in shops:
            s.dispose()
