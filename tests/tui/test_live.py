"""Two terminals on one database file see each other's changes at the next poll, and a
refresh never lands on a screen that cannot take it.

The poll runs once a second in the app; here it is run directly (``poll``), so what is
checked is "the next poll shows it", never how fast this machine is.
"""

from __future__ import annotations

from datetime import UTC

import pytest

from shopfloor.app import ShopfloorApp
from shopfloor.config import Settings
from shopfloor.domain import ManualClock, Shop, get_ticket
from shopfloor.domain.database import create_db_engine
from shopfloor.screens.qc_queue_screen import QcQueueScreen
from shopfloor.widgets.ticket_pager import TicketPager

from ..conftest import People, fast_hasher
from .conftest import FakeIdle, log_in, poll, settle
from .workshop import Workshop

NEVER = 3600.0  # the app's own poll timer stays out of the way: the test polls


def rows(app: ShopfloorApp) -> list[str]:
    table = app.screen.query_one(TicketPager).table
    return [str(table.coordinate_to_cell_key((r, 0)).row_key.value) for r in range(table.row_count)]


async def test_two_terminals_see_each_others_changes_at_the_next_poll(
    sqlite_url: str, settings: Settings, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    # Two processes' worth of state: each terminal has its own engine on the same file.
    shops = [Shop(create_db_engine(sqlite_url), clock=clock, hasher=fast_hasher()) for _ in "ab"]
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
            await settle(manager)
            await log_in(tech, "tech2")
            await poll(tech)  # the first reading
            new = str(workshop.new[0])
            assert new not in rows(tech_app)

            # The manager assigns; the technician's list shows it with no key pressed.
            table = manager_app.screen.query_one(TicketPager).table
            table.move_cursor(row=table.get_row_index(new))
            await manager.press("2")
            await settle(manager)
            await poll(tech)
            assert new in rows(tech_app)

            # The technician starts it; the manager's board shows tech2 busy.
            table = tech_app.screen.query_one(TicketPager).table
            table.move_cursor(row=table.get_row_index(new))
            await tech.press("s")
            await settle(tech)
            assert get_ticket(shops[1], workshop.new[0]).status == "in_progress"
            await poll(manager)
            techs = manager_app.screen.query_one("#tech-table")
            assert str(techs.get_row_at(1)[2]) == "▶"  # type: ignore[attr-defined]
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
    app._marker_read((10**6, 0, None, None, ()))  # never equal to the marker last read


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


async def test_an_idle_check_that_fires_while_the_app_closes_does_not_crash_it(
    app: ShopfloorApp, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await settle(pilot)
    # The 1 s interval may fire once more after the last screen is gone (seen in CI).
    assert app.session is not None
    assert not app.screen_stack
    app._check_idle()
