"""The wall board app: its pages match the database, turn by key or by time, tick, and
follow every change; a refused token shows why; snapshots at 80x24 and 120x36.

The page timer, the once-a-second tick and the reload after a change are called
directly (never waited for), except on PostgreSQL where a real push is awaited.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import ContentSwitcher, DataTable, Digits, Static
from textual.worker import WorkerCancelled

from shopfloor.board.app import BoardApp
from shopfloor.domain import ManualClock, Shop, assign_ticket, create_bike, create_user
from shopfloor.domain.board import Period, rotate_board_token, set_board_rules, wall_board
from shopfloor.domain.changes import MarkerFeed
from shopfloor.keymap import parse_config

from ..conftest import People
from ..factories import intake
from ..tui.workshop import Workshop, build_workshop

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
LIMIT = 10.0


@pytest.fixture
def shop(sqlite_url: str, clock: ManualClock) -> Any:
    from shopfloor.domain.database import create_db_engine

    from ..conftest import fast_hasher

    shop = Shop(create_db_engine(sqlite_url), clock=clock, hasher=fast_hasher())
    yield shop
    shop.dispose()


@pytest.fixture
def workshop(shop: Shop, clock: ManualClock, people: People) -> Workshop:
    built = build_workshop(shop, clock, people)
    set_board_rules(shop, None, daily_target=12)
    return built


@pytest.fixture
def token(shop: Shop) -> str:
    return rotate_board_token(shop, None)


@pytest.fixture
def board_app(shop: Shop, token: str) -> BoardApp:
    return BoardApp(shop, token, page_seconds=0, tz=UTC, live=False)


async def settle(pilot: Pilot[Any]) -> None:
    """Let the board's reads finish and reach the screen (not the feed's own worker)."""
    for _ in range(3):
        await pilot.pause()
        workers = [w for w in pilot.app.workers if w.group != "watch"]
        outcomes = await asyncio.gather(*(w.wait() for w in workers), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(outcome, WorkerCancelled):
                raise outcome
    await pilot.pause()


def cells(app: BoardApp, table_id: str) -> list[list[str]]:
    table = app.query_one(table_id, DataTable)
    return [
        [c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(r)]
        for r in range(table.row_count)
    ]


def digits(app: BoardApp, key: str) -> str:
    return str(app.query_one(f"#digits-{key}", Digits).value)


async def test_the_leaderboard_page_matches_the_database(
    board_app: BoardApp, shop: Shop, token: str, workshop: Workshop
) -> None:
    async with board_app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        expected = wall_board(shop, token=token).leaderboard
        assert cells(board_app, "#leaderboard") == [
            [
                str(r.rank), r.name, str(r.xp), f"{'★★★' if r.stars == 3 else '—'}"
                + (f" {r.first_pass_percent:.0f}%" if r.first_pass_percent is not None else ""),
                str(r.done), str(r.reworks),
                f"G {r.flags['green']}  Y {r.flags['yellow']}  R {r.flags['red']}",
            ]
            for r in expected.rows
        ]  # fmt: skip
        assert [row[1] for row in cells(board_app, "#leaderboard")] == ["Tech1", "Tech2"]
        assert (digits(board_app, "done"), digits(board_app, "target")) == ("2", "12")
        assert digits(board_app, "ready") == str(expected.ready_bikes)
        assert digits(board_app, "clock") == "11:27"  # the shop's clock, UTC


async def test_the_now_page_matches_the_database_and_its_timer_ticks(
    board_app: BoardApp, shop: Shop, clock: ManualClock, workshop: Workshop
) -> None:
    async with board_app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        assert board_app.query_one(ContentSwitcher).current == "now"
        assert cells(board_app, "#benches") == [
            ["Tech1", "RM-1009", "RUNNING", "0:12:34", "30m", ""],
            ["Tech2", "—", "idle", "", "", ""],
        ]
        queues = board_app.query_one("#queues")
        text = " ".join(str(s.render()) for s in queues.query(Static))
        assert "WAITING FOR QC (2)" in text
        assert "RM-1005  Tech2 · rework" in text
        assert "WAITING FOR A TECHNICIAN (2)" in text
        assert "PARKED (0)" in text

        clock.advance(minutes=18)  # past the 30 minutes of SRT, with no new read
        board_app.tick()
        await pilot.pause()
        assert cells(board_app, "#benches")[0][3:] == ["0:30:34", "30m", "OVER SRT"]


async def test_pages_turn_by_key_and_by_time(board_app: BoardApp, workshop: Workshop) -> None:
    async with board_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        switcher = board_app.query_one(ContentSwitcher)
        title = board_app.query_one("#board-title", Static)
        assert (switcher.current, str(title.render())) == ("leaderboard", "LEADERBOARD")
        board_app.action_next_page()  # what the page timer calls every page_seconds
        await pilot.pause()
        assert (switcher.current, str(title.render())) == ("now", "NOW")
        await pilot.press("space")
        assert switcher.current == "leaderboard"


async def test_the_period_key_cycles_the_periods_the_shop_has(
    board_app: BoardApp, shop: Shop, workshop: Workshop
) -> None:
    async with board_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        period = board_app.query_one("#board-period", Static)
        await pilot.press("p")
        await settle(pilot)
        assert (board_app.period, str(period.render())) == (Period.WEEK, "THIS WEEK")
        set_board_rules(shop, None, shift_start="06:00")
        board_app.reload()  # as a change to the rules would
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert (board_app.period, str(period.render())) == (Period.SHIFT, "THIS SHIFT")


async def test_a_keymap_file_moves_the_period_key(board_app: BoardApp, workshop: Workshop) -> None:
    board_app.set_keymap(dict(parse_config('[keys]\nboard.next_period = "t"', Path("c")).keymap))
    async with board_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")  # the old key does nothing now
        await settle(pilot)
        assert board_app.period == Period.TODAY
        await pilot.press("t")
        await settle(pilot)
        assert board_app.period == Period.WEEK


async def test_a_change_shows_at_the_next_reload(
    board_app: BoardApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with board_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        assign_ticket(shop, people.manager, workshop.new[0], people.tech2)
        board_app.reload()  # what a push (or the SQLite marker) triggers
        await settle(pilot)
        text = str(board_app.query_one("#queue-new", Static).render())
        assert "WAITING FOR A TECHNICIAN (1)" in text
        assert "RM-1007" not in text


async def test_a_refused_token_says_what_to_do_and_shows_nothing_else(
    shop: Shop, token: str, workshop: Workshop
) -> None:
    app = BoardApp(shop, "sfb_not-the-token", page_seconds=0, tz=UTC, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        message = app.query_one("#board-message", Static)
        assert message.display
        assert "shopfloor board token" in str(message.render())
        assert not app.query_one("#pages").display
        assert app.board is None


def test_the_marker_feed_calls_back_first_and_when_something_changed(
    shop: Shop, people: People
) -> None:
    feed = MarkerFeed(shop, poll_seconds=0.01)
    calls: queue.Queue[int] = queue.Queue()
    thread = threading.Thread(target=feed.run, args=(lambda: calls.put(1),))
    thread.start()
    try:
        assert calls.get(timeout=LIMIT) == 1  # the first reading
        assert calls.empty()
        create_bike(shop, people.master, "RM-4001")
        assert calls.get(timeout=LIMIT) == 1
    finally:
        feed.stop()
        thread.join(LIMIT)


@pytest.mark.postgres
async def test_a_board_on_postgresql_follows_a_pushed_change(pg_shop: Shop) -> None:
    master = create_user(pg_shop, None, "master", "secret-pw", roles=["master"]).id
    token = rotate_board_token(pg_shop, None)
    app = BoardApp(pg_shop, token, page_seconds=0, tz=UTC)
    read = asyncio.Event()
    show: Callable[..., None] = app._read_done

    def noted(*args: Any) -> None:
        show(*args)
        read.set()

    app._read_done = noted  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)):
        await asyncio.wait_for(read.wait(), LIMIT)  # the feed's first call, on connect
        read.clear()
        intake(pg_shop, master, "RM-4002")
        await asyncio.wait_for(read.wait(), LIMIT)
        assert app.board is not None
        assert app.board.now.waiting_assignment.total == 1


# --- snapshots --------------------------------------------------------------------------------


def snapshot_script(*keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_leaderboard_snapshot(
    snap_compare: Callable[..., bool], board_app: BoardApp, workshop: Workshop, size: Any
) -> None:
    assert snap_compare(board_app, terminal_size=size, run_before=snapshot_script())


@pytest.mark.parametrize("size", SIZES)
def test_now_snapshot(
    snap_compare: Callable[..., bool], board_app: BoardApp, workshop: Workshop, size: Any
) -> None:
    assert snap_compare(board_app, terminal_size=size, run_before=snapshot_script("space"))
