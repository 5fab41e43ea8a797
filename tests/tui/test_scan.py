"""Scan to act: a bike code from a barcode scanner (keys in a burst ending in enter, in
either case) opens that bike where the user's role acts on it, and never fires
single-key bindings.

The app times keys with its input clock (FakeIdle here), so a burst is keys at one
instant and slow typing is keys with the clock moved between them: no real waiting.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input

from shopfloor.app import ShopfloorApp
from shopfloor.config import SettingsError, load_settings
from shopfloor.domain import Shop, get_ticket
from shopfloor.keys import ScanDetector, Scanned
from shopfloor.screens.assign_screen import AssignScreen
from shopfloor.screens.intake_screen import IntakeScreen
from shopfloor.screens.qc_queue_screen import QcQueueScreen
from shopfloor.screens.technician_screen import TechnicianScreen
from shopfloor.screens.ticket_detail_screen import TicketDetailScreen
from shopfloor.widgets.ticket_pager import TicketPager

from ..conftest import People
from .conftest import FakeIdle, burst, key_event, log_in, settle
from .test_work import status_line
from .workshop import Workshop


def highlighted(app: ShopfloorApp) -> int | None:
    ticket = app.screen.query_one(TicketPager).highlighted
    return ticket.id if ticket else None


async def scan(pilot: object, code: str) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await burst(pilot, *code, "enter")
    await settle(pilot)


# --- the detector ---------------------------------------------------------------------------


def feed_all(
    detector: ScanDetector, keys: list[tuple[str, float]], *, badges: bool = False
) -> tuple[list[str], list[Scanned]]:
    typed: list[str] = []
    scanned: list[Scanned] = []
    for key, at in keys:
        for out in detector.feed(key_event(key), at, badges=badges):
            if isinstance(out, Scanned):
                scanned.append(out)
            else:
                typed.append(out.key)
    return typed, scanned


def test_a_fast_burst_ending_in_enter_is_a_scan() -> None:
    keys = [(k, n * 0.01) for n, k in enumerate([*"RM-1005", "enter"])]
    assert feed_all(ScanDetector("RM-", 0.05), keys) == ([], [Scanned("RM-1005")])


def test_a_lowercase_scan_from_caps_lock_is_a_scan_of_the_code_in_capitals() -> None:
    keys = [(k, n * 0.01) for n, k in enumerate([*"rm-1037", "enter"])]
    assert feed_all(ScanDetector("RM-", 0.05), keys) == ([], [Scanned("RM-1037")])


def test_slow_keys_are_typing_in_order() -> None:
    detector = ScanDetector("RM-", 0.05)
    keys = [(k, n * 0.2) for n, k in enumerate([*"RM-1", "enter"])]
    typed, codes = feed_all(detector, keys)
    assert codes == []
    assert typed + [k.key for k in detector.expire(10) if isinstance(k, events.Key)] == [
        "R",
        "M",
        "minus",
        "1",
        "enter",
    ]


def test_a_burst_that_goes_quiet_is_handed_back_as_typing() -> None:
    detector = ScanDetector("RM-", 0.05)
    typed, codes = feed_all(detector, [("R", 0.0), ("M", 0.01)])
    assert (typed, codes, detector.holding) == ([], [], True)
    assert detector.expire(0.03) == []  # not quiet long enough yet
    assert [k.key for k in detector.expire(0.2) if isinstance(k, events.Key)] == ["R", "M"]


def test_keys_that_cannot_start_a_code_pass_straight_through() -> None:
    typed, codes = feed_all(ScanDetector("RM-", 0.05), [("1", 0.0), ("p", 0.0)])
    assert (typed, codes) == (["1", "p"], [])


def test_where_badges_are_read_a_burst_ending_in_enter_then_quiet_is_a_badge() -> None:
    detector = ScanDetector("RM-", 0.05)
    keys = [(k, 1 + n * 0.01) for n, k in enumerate([*"4711-ab", "enter"])]
    typed, scanned = feed_all(detector, keys, badges=True)
    # The characters went on to the field; only the enter waits, for the quiet.
    assert (typed, scanned) == ([*"4711", "minus", "a", "b"], [])
    assert detector.expire(1.2) == [Scanned("4711-ab", badge=True)]


def test_a_login_typed_as_one_burst_is_no_badge() -> None:
    """``tech1`` enter ``secret`` enter in one burst (auto-type, tmux send-keys)."""
    detector = ScanDetector("RM-", 0.05)
    keys = [(k, 1.0) for k in [*"tech1", "enter", *"secret", "enter"]]
    typed, scanned = feed_all(detector, keys, badges=True)
    assert scanned == []
    assert typed == [*"tech1", "enter", *"secret", "enter"]
    assert detector.expire(5) == []


@pytest.mark.parametrize(
    ("keys", "why"),
    [
        ([(k, 1 + n * 0.2) for n, k in enumerate([*"4711", "enter"])], "typed slowly"),
        ([(k, 1 + n * 0.01) for n, k in enumerate([*"471", "enter"])], "too short"),
        ([(k, 1.0) for k in [*"4711", "tab", "enter"]], "not only characters"),
    ],
)
def test_what_is_no_badge(keys: list[tuple[str, float]], why: str) -> None:
    detector = ScanDetector("RM-", 0.05)
    _typed, scanned = feed_all(detector, keys, badges=True)
    rest = detector.expire(10)
    assert scanned == [], why
    assert not any(isinstance(k, Scanned) for k in rest), why


def test_badges_are_not_read_where_the_screen_does_not_ask() -> None:
    detector = ScanDetector("RM-", 0.05)
    keys = [(k, 1 + n * 0.01) for n, k in enumerate([*"4711-ab", "enter"])]
    typed, scanned = feed_all(detector, keys, badges=False)
    assert (typed[-1], scanned, detector.holding) == ("enter", [], False)


# --- each role's screen ---------------------------------------------------------------------


async def test_a_technician_scan_highlights_the_ticket_on_my_work_ready_to_start(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("f6")
        await settle(pilot)
        await scan(pilot, "RM-1006")
        assert isinstance(app.screen, TechnicianScreen)
        assert highlighted(app) == workshop.assigned
        assert "s starts" in status_line(app)


async def test_an_inspector_scan_selects_the_ticket_in_the_qc_queue(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        assert highlighted(app) == workshop.waiting_qc
        await scan(pilot, "RM-1005")
        assert isinstance(app.screen, QcQueueScreen)
        assert highlighted(app) == workshop.waiting_qc_rework
        assert "p passes" in status_line(app)


async def test_a_scan_on_the_assign_board_assigns_nothing_and_opens_the_waiting_ticket(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("f3", "v")
        await settle(pilot)
        before = {t: get_ticket(shop, t).technician for t in (workshop.rework, *workshop.new)}
        await scan(pilot, "RM-1008")  # its "1" must not assign, its enter must not open
        assert isinstance(app.screen, AssignScreen)
        assert highlighted(app) == workshop.new[1]
        after = {t: get_ticket(shop, t).technician for t in before}
        assert after == before


async def test_a_manager_scan_of_a_ticket_in_qc_opens_it_and_changes_nothing(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("f3", "v")
        await settle(pilot)
        await scan(pilot, "RM-1005")
        assert isinstance(app.screen, TicketDetailScreen)
        assert app.screen.ticket_id == workshop.waiting_qc_rework  # not the highlighted one
    assert get_ticket(shop, workshop.waiting_qc_rework).status == "waiting_qc"


async def test_a_master_scan_of_a_bike_without_a_ticket_opens_intake_with_the_code(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await pilot.press("f3")
        await settle(pilot)
        await scan(pilot, "RM-1010")
        assert isinstance(app.screen, IntakeScreen)
        assert app.screen.query_one("#bike-code", Input).value == "RM-1010"
        assert app.screen.query_one("#title", Input).has_focus


async def test_an_unknown_code_says_so_with_the_closest_codes(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        await scan(pilot, "RM-10099")
        assert isinstance(app.screen, QcQueueScreen)
        line = status_line(app)
        assert "RM-10099: no such bike" in line
        assert "Closest: RM-1009" in line


async def test_a_scan_on_intake_fills_the_bike_code_and_moves_on_to_the_title(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await scan(pilot, "RM-1010")  # on Intake the code field has focus
        assert isinstance(app.screen, IntakeScreen)
        assert app.screen.query_one("#bike-code", Input).value == "RM-1010"
        assert app.screen.query_one("#title", Input).has_focus


async def test_an_r_pressed_alone_is_handed_on_once_the_burst_goes_quiet(
    app: ShopfloorApp, people: People, workshop: Workshop, idle: FakeIdle
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        app.post_message(key_event("R"))
        await pilot.pause()
        assert app.scanner.holding  # it could be the start of a scan
        idle.now += 1  # ...but nothing followed
        app.expire_scan()  # what the app's timer calls
        await settle(pilot)
        assert not app.scanner.holding


# --- settings -------------------------------------------------------------------------------


def test_scan_and_double_tap_settings_are_read_from_the_environment() -> None:
    settings = load_settings(
        {
            "SHOPFLOOR_DATA_DIR": "/x",
            "SHOPFLOOR_SCAN_PREFIX": "BK-",
            "SHOPFLOOR_SCAN_GAP_MS": "30",
            "SHOPFLOOR_DOUBLE_TAP_MS": "250",
        }
    )
    assert (settings.scan_prefix, settings.scan_gap_ms, settings.double_tap_ms) == (
        "BK-",
        30,
        250,
    )


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("SHOPFLOOR_SCAN_GAP_MS", "0"),
        ("SHOPFLOOR_SCAN_GAP_MS", "fast"),
        ("SHOPFLOOR_DOUBLE_TAP_MS", "-5"),
        ("SHOPFLOOR_SCAN_PREFIX", "R M"),
    ],
)
def test_a_bad_scan_setting_is_refused_naming_the_variable(name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=rf"^{name}="):
        load_settings({"SHOPFLOOR_DATA_DIR": "/x", name: raw})
