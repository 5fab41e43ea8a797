"""Two terminals on one database file see each other's changes within two seconds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC

import pytest
from textual.widgets.data_table import RowDoesNotExist

from shopfloor.app import ShopfloorApp
from shopfloor.config import Settings
from shopfloor.domain import ManualClock, Shop, get_ticket
from shopfloor.domain.database import create_db_engine
from shopfloor.screens.qc_queue_screen import QcQueueScreen
from shopfloor.widgets.ticket_pager import TicketPager

from ..conftest import People, fast_hasher
from .conftest import FakeIdle, log_in, settle
from .workshop import Workshop

LIVE_SECONDS = 2.0


def rows(app: ShopfloorApp) -> list[str]:
    table = app.screen.query_one(TicketPager).table
    return [str(table.coordinate_to_cell_key((r, 0)).row_key.value) for r in range(table.row_count)]


async def within(seconds: float, condition: Callable[[], bool]) -> float:
    """Wait (without pressing anything) until ``condition`` holds; how long it took."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if condition():
                return time.monotonic() - start
        except RowDoesNotExist:  # a table being refilled
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"not seen within {seconds} s")


async def test_two_terminals_see_each_others_changes(
    sqlite_url: str, settings: Settings, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    # Two processes' worth of state: each terminal has its own engine on the same file.
    shops = [Shop(create_db_engine(sqlite_url), clock=clock, hasher=fast_hasher()) for _ in "ab"]
    manager_app, tech_app = (
        ShopfloorApp(s, settings, tz=UTC, idle_clock=FakeIdle()) for s in shops
    )
    try:
        async with (
            manager_app.run_test(size=(80, 24)) as manager,
            tech_app.run_test(size=(80, 24)) as tech,
        ):
            await log_in(manager, "manager")
            await manager.press("f3")
            await settle(manager)
            await log_in(tech, "tech2")
            new = str(workshop.new[0])
            assert new not in rows(tech_app)

            # The manager assigns; the technician's list shows it with no key pressed.
            await within(5, lambda: new in rows(manager_app))
            table = manager_app.screen.query_one(TicketPager).table
            table.move_cursor(row=table.get_row_index(new))
            await manager.press("2")
            await settle(manager)
            await within(LIVE_SECONDS, lambda: new in rows(tech_app))

            # The technician starts it; the manager's board shows tech2 busy.
            table = tech_app.screen.query_one(TicketPager).table
            table.move_cursor(row=table.get_row_index(new))
            await tech.press("s")
            await settle(tech)
            assert get_ticket(shops[1], workshop.new[0]).status == "in_progress"
            techs = manager_app.screen.query_one("#tech-table")
            await within(
                LIVE_SECONDS,
                lambda: techs.get_row_at(1)[2] == "▶",  # type: ignore[attr-defined]
            )
    finally:
        for s in shops:
            s.dispose()


async def test_opening_a_screen_reads_the_shop_once(
    app: ShopfloorApp, people: People, workshop: Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual runs every class's on_mount; a screen must not load its list twice."""
    reloads: list[int] = []
    original = TicketPager.reload

    def counting(self: TicketPager) -> None:
        reloads.append(1)
        original(self)

    monkeypatch.setattr(TicketPager, "reload", counting)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        reloads.clear()
        await pilot.press("f6")
        await settle(pilot)
        assert len(reloads) == 1


# --- a refresh never lands on a screen that cannot take it ----------------------------------


def changed(app: ShopfloorApp) -> None:
    """What the marker poll does when another terminal changed something."""
    app._marker_read((10**6, 0, None, None))  # never equal to the marker last read


async def test_a_refresh_before_the_screen_is_mounted_is_dropped(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        screen = QcQueueScreen()
        app.push_screen(screen)  # not awaited: the screen is on the stack, not yet composed
        assert not screen.is_mounted
        changed(app)  # used to raise NoMatches: No nodes match 'TicketPager' on QcQueueScreen()
        await settle(pilot)
        assert app.screen is screen
        assert workshop.waiting_qc in [int(k) for k in rows(app)]  # it still read its list


async def test_a_refresh_after_the_screen_is_dismissed_is_dropped(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("f5")
        await settle(pilot)
        qc = app.screen
        assert isinstance(qc, QcQueueScreen)
        pager = qc.pager
        qc.refresh_data()  # a read in flight...
        await pilot.press("f6")  # ...when the screen goes away
        await settle(pilot)
        qc.shop_changed()  # and a late change notice for the dismissed screen
        pager._show(1, None, "late")  # and a late page
        await settle(pilot)
        assert not isinstance(app.screen, QcQueueScreen)


async def test_refreshes_arriving_together_show_one_consistent_page(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        for _ in range(5):
            changed(app)
            app._marker = None
        await settle(pilot)
        assert [int(k) for k in rows(app)] == [workshop.waiting_qc, workshop.waiting_qc_rework]
