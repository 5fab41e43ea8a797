"""Every screen, at 80x24, 60x20 and 120x36, from data built through the services.

The shop's clock is frozen (ManualClock) and the app shows UTC, so the SVG
baselines in ``__snapshots__`` are the same on every run. Update them with
``pytest tests/tui --snapshot-update`` after a deliberate change, and look at them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from textual.pilot import Pilot

from shopfloor.app import ShopfloorApp
from shopfloor.domain import (
    Shop,
    add_bike_model,
    add_part,
    create_ticket,
    park_ticket,
    set_rule,
    tick_task,
)
from shopfloor.widgets.ticket_pager import TicketPager

from ..conftest import People
from .conftest import (
    FakeIdle,
    burst,
    idle_check,
    read_bike_state,
    settle,
    sign_in,
    steady_cursor,
)
from .workshop import Workshop

SIZES = [
    pytest.param((80, 24), id="80x24"),
    pytest.param((60, 20), id="60x20"),
    pytest.param((120, 36), id="120x36"),
]
Compare = Callable[..., bool]


def script(
    username: str | None,
    keys: Sequence[str] = (),
    *,
    then: Callable[[Pilot[Any]], Any] | None = None,
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        if username is not None:
            await sign_in(pilot, username)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if then is not None:
            result = then(pilot)
            if result is not None:
                await result
            await settle(pilot)
        await read_bike_state(pilot)  # what Intake does once typing stops
        steady_cursor(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_login_screen(
    snap_compare: Compare, app: ShopfloorApp, people: People, size: tuple[int, int]
) -> None:
    # With users: an empty shop opens on the first-run screen (tests/tui/test_first_run.py).
    assert snap_compare(app, terminal_size=size, run_before=script(None, ["t", "e", "c", "h"]))


@pytest.mark.parametrize("size", SIZES)
def test_intake_screen(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop, size: tuple[int, int]
) -> None:
    assert snap_compare(app, terminal_size=size, run_before=script("master", list("RM-101")))


@pytest.mark.parametrize("size", SIZES)
def test_intake_unknown_bike_dialog(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop, size: tuple[int, int]
) -> None:
    keys = [*"RM-2001", "enter", *"Tyre", "enter", "2", "0", "enter", "space", "ctrl+s"]
    assert snap_compare(app, terminal_size=size, run_before=script("master", keys))


@pytest.mark.parametrize("size", SIZES)
def test_assign_screen(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop, size: tuple[int, int]
) -> None:
    assert snap_compare(app, terminal_size=size, run_before=script("manager", ["f3"]))


@pytest.mark.parametrize("size", SIZES)
def test_technician_screen(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop, size: tuple[int, int]
) -> None:
    assert snap_compare(app, terminal_size=size, run_before=script("tech1"))


def test_task_list_at_80x24(
    snap_compare: Compare, app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    # Two tasks ticked: the marks and who ticked them show.
    for task in (0, 2):
        tick_task(shop, people.tech1, workshop.running, task)
    assert snap_compare(app, terminal_size=(80, 24), run_before=script("tech1", ["t", "down"]))


def test_part_spec_dialog_at_80x24(
    snap_compare: Compare, app: ShopfloorApp, shop: Shop, workshop: Workshop
) -> None:
    add_bike_model(shop, None, "City")
    for name in ("Brake pads", "Chain", "Display"):
        add_part(shop, None, "City", name)
    keys = [*"RM-1010", "ctrl+p", "down", "r"]
    assert snap_compare(app, terminal_size=(80, 24), run_before=script("master", keys))


def test_parts_waiting_screen_at_80x24(
    snap_compare: Compare, app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    add_bike_model(shop, None, "City")
    chain = add_part(shop, None, "City", "Chain").id
    park_ticket(shop, people.tech1, workshop.running, part_id=chain, quantity=2)
    assert snap_compare(app, terminal_size=(80, 24), run_before=script("manager", ["W"]))


def test_review_queue_screen_at_80x24(
    snap_compare: Compare, app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    add_bike_model(shop, None, "City")
    pads = add_part(shop, None, "City", "Brake pads").id
    set_rule(shop, None, "review_required", "on")
    spec = {"part_id": pads, "color": "red", "minutes": 25, "comment": "worn to the metal"}
    create_ticket(
        shop,
        people.master,
        bike_code="RM-1010",
        title=None,
        checklist=None,
        srt_total_minutes=None,
        approve_srt=True,
        part_specs=[spec],
    )
    assert snap_compare(app, terminal_size=(80, 24), run_before=script("manager", ["U"]))


@pytest.mark.parametrize("size", SIZES)
def test_qc_queue_screen(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop, size: tuple[int, int]
) -> None:
    assert snap_compare(app, terminal_size=size, run_before=script("qc"))


@pytest.mark.parametrize("size", SIZES)
def test_ticket_list_screen(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop, size: tuple[int, int]
) -> None:
    assert snap_compare(app, terminal_size=size, run_before=script("nobody", ["s"]))


@pytest.mark.parametrize("size", SIZES)
def test_ticket_detail_screen(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop, size: tuple[int, int]
) -> None:
    def open_reworked(pilot: Pilot[Any]) -> None:
        table = pilot.app.screen.query_one(TicketPager).table
        table.move_cursor(row=table.get_row_index(str(workshop.done_after_rework)))

    keys = ["s"]  # show all tickets, then open the one that was reworked
    run = script("nobody", keys, then=open_reworked)

    async def run_before(pilot: Pilot[Any]) -> None:
        await run(pilot)
        await pilot.press("enter")
        await settle(pilot)
        steady_cursor(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_screen(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop, size: tuple[int, int]
) -> None:
    assert snap_compare(app, terminal_size=size, run_before=script("manager"))


@pytest.mark.parametrize("size", SIZES)
def test_lock_screen(
    snap_compare: Compare,
    app: ShopfloorApp,
    workshop: Workshop,
    idle: FakeIdle,
    size: tuple[int, int],
) -> None:
    async def lock(pilot: Pilot[Any]) -> None:
        idle.now += 1000
        await idle_check(pilot)

    # tech1's timer runs: the lock screen keeps it in view.
    assert snap_compare(app, terminal_size=size, run_before=script("tech1", then=lock))


def test_login_pin_after_a_badge_scan(
    snap_compare: Compare, app: ShopfloorApp, people: People
) -> None:
    from shopfloor.domain.users import set_badge

    set_badge(app.shop, None, people.tech1, "4711-AB")

    async def scan_badge(pilot: Pilot[Any]) -> None:
        await burst(pilot, *"4711-AB", "enter")

    assert snap_compare(app, terminal_size=(80, 24), run_before=script(None, then=scan_badge))


def test_assign_board_finding_a_bike_by_code(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop
) -> None:
    keys = ["f3", "r", "m", "minus", "1", "0", "1", "8", "enter"]  # one slip from RM-1008
    assert snap_compare(app, terminal_size=(80, 24), run_before=script("manager", keys))


@pytest.mark.parametrize("size", SIZES)
def test_role_switch_dialog(
    snap_compare: Compare, app: ShopfloorApp, people: People, size: tuple[int, int]
) -> None:
    from shopfloor.domain import set_roles

    set_roles(app.shop, None, people.admin, ["super_admin", "master", "technician"])
    assert snap_compare(app, terminal_size=size, run_before=script("admin", ["f8"]))


def test_technician_screen_light_theme(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop
) -> None:
    """F9 switches to the light theme for terminals with a light background."""
    assert snap_compare(app, terminal_size=(80, 24), run_before=script("tech1", ["f9"]))


ROLE_SCREENS = [
    *(("admin", name) for name in ("intake", "assign", "my_work", "qc", "tickets", "dashboard")),
    *(("master", name) for name in ("intake", "assign", "tickets")),
    ("admin", "ticket_detail"),
    ("master", "ticket_detail"),
]


@pytest.mark.parametrize(
    ("username", "screen"), ROLE_SCREENS, ids=[f"{u}-{s}" for u, s in ROLE_SCREENS]
)
def test_every_screen_at_80x24_as_super_admin_and_master(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop, username: str, screen: str
) -> None:
    """The keys line and the footer fit 80 columns on every screen of both roles."""

    def go(pilot: Pilot[Any]) -> Any:
        app = pilot.app
        assert isinstance(app, ShopfloorApp)
        if screen == "ticket_detail":
            return open_newest_ticket(pilot)
        app.action_go(screen)
        return None

    async def open_newest_ticket(pilot: Pilot[Any]) -> None:
        # The list loads in a worker: enter before it has settled opens nothing (or another row).
        assert isinstance(pilot.app, ShopfloorApp)
        pilot.app.action_go("tickets")
        await settle(pilot)
        await pilot.press("enter")

    assert snap_compare(app, terminal_size=(80, 24), run_before=script(username, then=go))
