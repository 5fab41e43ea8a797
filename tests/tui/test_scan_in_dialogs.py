"""A scan is a scan everywhere: in a dialog it is never a yes, a note, a reason or a choice.

Each test opens a dialog, scans a bike (keys in one burst ending in enter, on the app's
input clock), and checks in the database that no ticket and no timer changed, that the
dialog closed, and that the status line says what was not done and what the scan opened.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import (
    ManualClock,
    Shop,
    get_ticket,
    open_session_of,
    set_roles,
    set_timer_rules,
    ticket_transitions,
    work_session_history,
)
from shopfloor.domain.models import ThrottleEntry
from shopfloor.screens.assign_screen import AssignScreen
from shopfloor.screens.dialogs import ConfirmDialog, TextDialog, TimerGuardDialog
from shopfloor.screens.intake_screen import IntakeScreen
from shopfloor.screens.lock_screen import LockScreen
from shopfloor.screens.login_screen import LoginScreen
from shopfloor.screens.qc_queue_screen import QcQueueScreen
from shopfloor.screens.technician_screen import ReasonDialog, TechnicianScreen

from ..conftest import People
from .conftest import FakeIdle, burst, idle_check, log_in, settle, type_slowly
from .test_scan import highlighted
from .test_work import move_to, status_line
from .workshop import Workshop

Record = list[tuple[Any, ...]]


def record(shop: Shop, people: People, tickets: Iterable[int]) -> Record:
    """Everything a scan must not change: each ticket's status, technician, history and
    timer events, and both technicians' open timers."""
    rows: Record = []
    for ticket_id in tickets:
        ticket = get_ticket(shop, ticket_id)
        rows.append(
            (
                ticket_id,
                ticket.status,
                ticket.technician,
                ticket.parked_reason,
                len(ticket_transitions(shop, ticket_id)),
                len(work_session_history(shop, ticket_id)),
            )
        )
    for tech in (people.tech1, people.tech2):
        session = open_session_of(shop, tech)
        rows.append((tech, session.status if session else None))
    return rows


def every_ticket(workshop: Workshop) -> list[int]:
    return [
        workshop.done_first_pass,
        workshop.done_after_rework,
        workshop.waiting_qc,
        workshop.waiting_qc_rework,
        workshop.rework,
        workshop.running,
        workshop.assigned,
        *workshop.new,
    ]


async def scan(pilot: Pilot[None], code: str) -> None:
    await burst(pilot, *code, "enter")


async def test_a_scan_in_the_qc_pass_confirmation_passes_nothing_and_opens_the_bike(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    before = record(shop, people, every_ticket(workshop))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await scan(pilot, "RM-1005")  # its enter would have been the "yes"
        assert isinstance(app.screen, QcQueueScreen)
        assert highlighted(app) == workshop.waiting_qc_rework
        assert status_line(app).startswith(
            f"Scanned RM-1005: #{workshop.waiting_qc} was not passed; "
            f"#{workshop.waiting_qc_rework} RM-1005 (waiting qc): p passes"
        )
    assert record(shop, people, every_ticket(workshop)) == before


async def test_a_caps_lock_scan_in_the_qc_fail_note_fails_nothing_and_types_nothing(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    before = record(shop, people, every_ticket(workshop))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        await pilot.press("f", "enter")  # no task named: the note
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await scan(pilot, "rm-1005")
        assert isinstance(app.screen, QcQueueScreen)
        assert f"#{workshop.waiting_qc} was not failed" in status_line(app)
        assert highlighted(app) == workshop.waiting_qc_rework
    assert record(shop, people, every_ticket(workshop)) == before
    assert get_ticket(shop, workshop.waiting_qc).latest_qc_note == ""


async def test_a_scan_in_the_send_to_qc_confirmation_sends_nothing(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    before = record(shop, people, every_ticket(workshop))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await move_to(pilot, app, workshop.running)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await scan(pilot, "RM-1006")
        assert isinstance(app.screen, TechnicianScreen)
        assert highlighted(app) == workshop.assigned
        assert status_line(app).startswith(
            f"Scanned RM-1006: #{workshop.running} was not sent to QC; "
            f"#{workshop.assigned} RM-1006 (assigned): s starts"
        )
    assert record(shop, people, every_ticket(workshop)) == before


@pytest.mark.parametrize(
    ("key", "not_done"), [("p", "the pause was not made"), ("w", "was not parked")]
)
async def test_a_scan_in_the_reason_dialog_picks_no_reason(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop, key: str, not_done: str
) -> None:
    before = record(shop, people, every_ticket(workshop))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await move_to(pilot, app, workshop.running)
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await scan(pilot, "RM-1006")  # its 1 would have picked reason 1
        assert isinstance(app.screen, TechnicianScreen)
        assert not_done in status_line(app)
    assert record(shop, people, every_ticket(workshop)) == before


async def test_a_scan_in_the_note_of_a_reason_that_needs_one_fills_nothing(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    before = record(shop, people, every_ticket(workshop))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("5")  # "Other": asks for a note
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await scan(pilot, "RM-1006")
        assert not isinstance(app.screen, ModalScreen)
        assert "the pause was not made" in status_line(app)
    assert record(shop, people, every_ticket(workshop)) == before


async def test_a_scan_in_the_log_out_choice_leaves_the_timer_and_the_user_as_they_were(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    before = record(shop, people, every_ticket(workshop))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, TimerGuardDialog)
        await scan(pilot, "RM-1006")
        assert isinstance(app.screen, TechnicianScreen)
        assert app.session is not None
        assert "you did not log out" in status_line(app)
    assert record(shop, people, every_ticket(workshop)) == before


async def test_a_scan_in_the_reassign_confirmation_reassigns_nothing(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    before = record(shop, people, every_ticket(workshop))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("f3", "v")
        await settle(pilot)
        await move_to(pilot, app, workshop.assigned)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await scan(pilot, "RM-1008")
        assert isinstance(app.screen, AssignScreen)
        assert f"#{workshop.assigned} was not reassigned" in status_line(app)
        assert highlighted(app) == workshop.new[1]
    assert record(shop, people, every_ticket(workshop)) == before


async def test_a_scan_in_the_role_switch_keeps_the_role(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    set_roles(shop, None, people.admin, ["super_admin", "master"])
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("f8")
        await settle(pilot)
        await scan(pilot, "RM-1010")  # its enter would have picked the highlighted role
        assert app.session is not None
        assert app.session.role_label == "Super admin"
        assert not isinstance(app.screen, ModalScreen)


async def test_a_scan_in_the_keys_list_closes_it_and_acts(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, ModalScreen)
        await scan(pilot, "RM-1005")
        assert isinstance(app.screen, QcQueueScreen)
        assert highlighted(app) == workshop.waiting_qc_rework


async def test_a_scan_in_intakes_new_bike_question_adds_no_bike_and_fills_the_code(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    from shopfloor.domain import NotFound, get_bike_by_code

    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await type_slowly(pilot, *"RM-2001", "enter", *"Tyre", "enter", "2", "0", "enter")
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await scan(pilot, "RM-1010")
        assert isinstance(app.screen, IntakeScreen)
        assert app.screen.query_one("#bike-code", Input).value == "RM-1010"
        assert "Scanned RM-1010: bike RM-2001 was not added." in status_line(app)
    with pytest.raises(NotFound):
        get_bike_by_code(shop, "RM-2001")


async def test_on_intake_a_scan_fills_the_bike_code_wherever_the_cursor_is(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await pilot.press("tab")  # the title
        await settle(pilot)
        await scan(pilot, "RM-1010")
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        assert screen.query_one("#bike-code", Input).value == "RM-1010"
        assert screen.query_one("#title", Input).value == ""


# --- the lock and login screens ---------------------------------------------------------------


async def test_scans_at_the_lock_screen_are_never_password_attempts(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop, idle: FakeIdle
) -> None:
    before = record(shop, people, every_ticket(workshop))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        idle.now += 1000
        await idle_check(pilot)
        assert isinstance(app.screen, LockScreen)
        for _ in range(6):  # more than the five wrong passwords that lock a user out
            idle.now += 1
            await scan(pilot, "RM-1006")
        assert isinstance(app.screen, LockScreen)
        error = str(app.screen.query_one("#login-error", Static).render())
        assert error == "Scanned RM-1006: unlock first (your password, or your badge and PIN)."
        assert app.screen.query_one("#password", Input).value == ""
        await type_slowly(pilot, *"secret-pw", "enter")
        assert isinstance(app.screen, TechnicianScreen)
    assert record(shop, people, every_ticket(workshop)) == before
    with shop.transaction(write=False) as tx:
        failed = select(func.count()).where(ThrottleEntry.failures > 0)
        assert tx.session.scalar(failed) == 0


async def test_a_scan_at_the_login_screen_says_to_log_in_first(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await scan(pilot, "RM-1006")
        assert isinstance(app.screen, LoginScreen)
        error = str(app.screen.query_one("#login-error", Static).render())
        assert error.startswith("Scanned RM-1006: log in first")
        assert app.screen.query_one("#username", Input).value == ""


async def test_a_scan_never_answers_still_working_and_the_question_comes_back(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    end = (clock.now() + timedelta(minutes=1)).replace(second=0)
    set_timer_rules(shop, None, shift_end=end.strftime("%H:%M"), time_zone="UTC")
    clock.set(end + timedelta(minutes=1))
    before = record(shop, people, every_ticket(workshop))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        assert isinstance(app.screen, ConfirmDialog)  # Still working?
        first = app.screen
        await scan(pilot, "RM-1006")  # its enter is not a "yes", its closing not a "no"
        below = app.screen_stack[-2]
        assert isinstance(below, TechnicianScreen)
        line = str(below.query_one("#status-line", Static).render())
        assert "the timer was neither kept nor stopped (you are asked again)" in line
        # Asked again at once (the scan re-read the day): a new question, still open.
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen is not first
    assert record(shop, people, every_ticket(workshop)) == before
