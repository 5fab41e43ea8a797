"""The technician's pause reasons and parking a bike, driven by keys."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable, Label, Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import (
    ManualClock,
    Shop,
    get_ticket,
    open_session_of,
    park_ticket,
    pause_work_session,
    set_timer_rules,
    settle_pause_budget,
    work_session_history,
)
from shopfloor.screens.assign_screen import AssignScreen
from shopfloor.screens.dashboard_screen import DashboardScreen
from shopfloor.screens.dialogs import ConfirmDialog, TextDialog
from shopfloor.screens.lock_screen import LockScreen
from shopfloor.screens.login_screen import LoginScreen
from shopfloor.screens.technician_screen import ReasonDialog, TechnicianScreen
from shopfloor.screens.ticket_detail_screen import TicketDetailScreen, timer_line
from shopfloor.widgets.ticket_pager import TicketPager

from ..conftest import People
from .conftest import log_in, settle
from .test_work import move_to, status_line
from .workshop import Workshop


async def test_p_then_one_digit_pauses_with_that_reason(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("3")  # 3 = break
        await settle(pilot)
        assert "Timer paused: Break." in status_line(app)
    assert open_session_of(shop, people.tech1).status == "paused"  # type: ignore[union-attr]
    assert work_session_history(shop, workshop.running)[0].metadata["reason"] == "break"


async def test_other_asks_for_a_note_and_escape_leaves_the_timer_running(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert open_session_of(shop, people.tech1).status == "running"  # type: ignore[union-attr]
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("5")  # other
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"Fire drill", "enter")
        await settle(pilot)
    paused = work_session_history(shop, workshop.running)[0]
    assert (paused.metadata["reason"], paused.metadata["note"]) == ("other", "Fire drill")


async def test_w_parks_the_bike_for_parts_and_the_technician_starts_another(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await move_to(pilot, app, workshop.running)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("1")  # waiting for parts
        await settle(pilot)
        await pilot.press("end", "enter")  # which part: none named
        await settle(pilot)
        assert "parked (Waiting for parts); you can start another bike" in status_line(app)
        table = app.screen.query_one(TicketPager).table
        row = table.get_row_index(str(workshop.running))
        assert "waiting for parts" in [str(c) for c in table.get_row_at(row)]
        await move_to(pilot, app, workshop.assigned)
        await pilot.press("s")
        await settle(pilot)
        assert "Timer started on" in status_line(app)
    parked = get_ticket(shop, workshop.running)
    assert (parked.status, parked.technician, parked.parked_reason) == (
        "assigned",
        people.tech1,
        "Waiting for parts",
    )
    assert get_ticket(shop, workshop.assigned).status == "in_progress"


async def test_at_the_shift_end_an_unanswered_still_working_stops_the_timer_there(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    end = (clock.now() + timedelta(minutes=1)).replace(second=0)
    set_timer_rules(shop, None, shift_end=end.strftime("%H:%M"), time_zone="UTC")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        screen = app.screen
        assert isinstance(screen, TechnicianScreen)
        screen.check_shift_end()
        assert not isinstance(app.screen, ConfirmDialog)  # the shift has not ended yet
        clock.set(end + timedelta(minutes=1))
        screen.check_shift_end()
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Still working?" in str(app.screen.query_one(".dialog-title", Label).render())
        clock.set(end + timedelta(minutes=16))  # nobody answers
        screen.check_shift_end()
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert "stopped automatically at the shift's end" in status_line(app)
    assert open_session_of(shop, people.tech1) is None
    stop = work_session_history(shop, workshop.running)[0]
    assert (stop.action, stop.event_at, stop.metadata["automatic"]) == ("stopped", end, True)


async def test_yes_keeps_the_timer_running_after_the_shift_end(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    end = (clock.now() + timedelta(minutes=1)).replace(second=0)
    set_timer_rules(shop, None, shift_end=end.strftime("%H:%M"), time_zone="UTC")
    clock.set(end + timedelta(minutes=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        assert isinstance(app.screen, ConfirmDialog)  # asked as soon as the screen shows
        await pilot.press("y")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TechnicianScreen)
        clock.set(end + timedelta(minutes=30))
        screen.check_shift_end()  # asked once per shift end
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmDialog)
    assert open_session_of(shop, people.tech1).status == "running"  # type: ignore[union-attr]


async def test_the_pause_counter_counts_up_and_the_resume_shows_the_moment_the_budget_ends(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        screen = app.screen
        assert isinstance(screen, TechnicianScreen)
        pauses = screen.query_one("#pauses", Static)
        assert "Pauses  10m of 30m" in str(pauses.render())  # two 5-minute pauses earlier
        await pilot.press("p", "2")  # tool or bay busy: counted
        await settle(pilot)
        assert open_session_of(shop, people.tech1).status == "paused"  # type: ignore[union-attr]
        clock.advance(minutes=12)
        screen._tick_today()  # what the screen does every second: no re-read, no switch
        assert "Pauses  22m of 30m" in str(pauses.render())
        assert open_session_of(shop, people.tech1).status == "paused"  # type: ignore[union-attr]
        clock.advance(minutes=8)  # the budget ends now
        screen._tick_today()
        await settle(pilot)
        assert "pause budget for today is used up" in status_line(app)
        assert "30m of 30m used up" in str(pauses.render())
        assert "RUNNING" in str(screen.query_one("#timer-caption", Static).render())
    session = open_session_of(shop, people.tech1)
    assert session is not None
    assert session.status == "running"
    resumed = work_session_history(shop, workshop.running)[0]
    assert (resumed.event_at, resumed.metadata["automatic"]) == (clock.now(), True)


async def test_the_technician_is_told_of_a_budget_resume_that_another_read_settled(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    """Another terminal of the same technician, or an overlapping refresh, may resume it."""
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("p", "2")  # tool or bay busy: counted
        await settle(pilot)
        clock.advance(minutes=20)
        assert settle_pause_budget(shop, people.tech1) is not None  # resumed elsewhere
        screen = app.screen
        assert isinstance(screen, TechnicianScreen)
        screen.refresh_data()
        await settle(pilot)
        assert "pause budget for today is used up" in status_line(app)
        screen.set_status("")
        screen.refresh_data()  # the same resume is told once
        await settle(pilot)
        assert "pause budget" not in status_line(app)


async def test_a_budget_changed_from_the_command_line_shows_without_a_screen_switch(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        pauses = app.screen.query_one("#pauses", Static)
        app._poll()  # the marker as it is
        await settle(pilot)
        assert "of 30m" in str(pauses.render())
        set_timer_rules(shop, None, pause_budget_minutes=45)  # `shopfloor timers rules`
        app._poll()  # what the terminal does every second on SQLite
        await settle(pilot)
        assert "Pauses  10m of 45m" in str(pauses.render())


async def test_a_locked_terminal_never_resumes_the_timer_when_the_budget_runs_out(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        screen = app.screen
        assert isinstance(screen, TechnicianScreen)
        await pilot.press("p", "2")  # tool or bay busy: counted, 20 minutes left
        await settle(pilot)
        app.lock()  # idle: the technician walked away
        await settle(pilot)
        clock.advance(minutes=20)
        screen._tick_today()  # My work still ticks under the lock
        screen.shop_changed()  # and another terminal's change still reaches it
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        clock.advance(minutes=40)
    assert open_session_of(shop, people.tech1).status == "paused"  # type: ignore[union-attr]
    assert settle_pause_budget(shop, people.tech1) is None  # nobody saw it run out


async def test_logged_out_longer_than_the_budget_the_technician_comes_back_to_a_paused_timer(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    pause_work_session(shop, people.tech1, workshop.running, reason="customer_or_manager")
    clock.advance(minutes=20)
    assert settle_pause_budget(shop, people.tech1) is not None  # the budget is used up
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        worked = open_session_of(shop, people.tech1).worked_seconds  # type: ignore[union-attr]
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("p")  # pause it and log out: time away, allowed with no budget left
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert work_session_history(shop, workshop.running)[0].metadata["reason"] == "away"
        clock.advance(hours=2)
        await log_in(pilot, "tech1")
        screen = app.screen
        assert isinstance(screen, TechnicianScreen)
        screen._tick_today()
        await settle(pilot)
        caption = str(screen.query_one("#timer-caption", Static).render())
        assert "PAUSED: Logged out (p resumes)" in caption
        assert "30m of 30m" in str(screen.query_one("#pauses", Static).render())
    session = open_session_of(shop, people.tech1)
    assert session is not None
    assert (session.status, session.worked_seconds) == ("paused", worked)


async def test_logging_out_with_the_timer_paused_makes_the_rest_time_away(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("p", "1")  # waiting for parts: counted
        await settle(pilot)
        clock.advance(minutes=5)
        await pilot.press("ctrl+o")  # nothing runs: no question
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
    away = work_session_history(shop, workshop.running)[0]
    assert (away.metadata["reason"], away.metadata["was"]) == ("away", "waiting_for_parts")
    clock.advance(hours=2)
    assert settle_pause_budget(shop, people.tech1) is None


async def test_answering_no_to_still_working_is_recorded_as_the_technicians_answer(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    end = (clock.now() + timedelta(minutes=1)).replace(second=0)
    set_timer_rules(shop, None, shift_end=end.strftime("%H:%M"), time_zone="UTC")
    clock.set(end + timedelta(minutes=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        assert isinstance(app.screen, ConfirmDialog)  # Still working?
        await pilot.press("n")
        await settle(pilot)
        assert "You answered no: Timer stopped at the shift's end" in status_line(app)
    stop = work_session_history(shop, workshop.running)[0]
    assert (stop.event_at, stop.actor, stop.metadata["automatic"]) == (end, people.tech1, False)
    assert stop.metadata["answer"] == "no"
    assert timer_line(stop).startswith("timer stopped: Tech")  # the ticket's timeline
    assert "answered no to 'still working?'" in timer_line(stop)


async def test_the_dashboard_shows_parked_bikes_efficiency_and_who_ran_out_of_pauses(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    pause_work_session(shop, people.tech1, workshop.running, reason="customer_or_manager")
    clock.advance(minutes=25)  # 10 minutes were used earlier today: 5 over
    park_ticket(shop, people.tech1, workshop.running)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        assert isinstance(app.screen, DashboardScreen)
        tickets = str(app.screen.query_one("#dash-tickets", Static).render())
        assert "parts wait 1" in tickets
        team = app.screen.query_one("#team-table", DataTable)
        tech1 = [str(c) for c in team.get_row_at(team.get_row_index(str(people.tech1)))]
        assert tech1[-1] == "OUT"
        assert tech1[-2] == "112%"  # 45m SRT / 40m worked on the ticket it finished
        assert "out of pause budget today: Tech1" in status_line(app)


async def test_parked_bikes_read_waiting_for_parts_on_the_board_and_reasons_in_the_timeline(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    pause_work_session(shop, people.tech1, workshop.running, reason="other", note="Fire drill")
    park_ticket(shop, people.tech1, workshop.running, note="Pads on order")
    async with app.run_test(size=(100, 40)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, AssignScreen)
        await pilot.press("v")  # assigned tickets too
        await settle(pilot)
        table = app.screen.query_one(TicketPager).table
        row = [str(c) for c in table.get_row_at(table.get_row_index(str(workshop.running)))]
        assert "waiting for parts" in row
        await move_to(pilot, app, workshop.running)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        fields = str(app.screen.query_one("#detail-fields", Static).render())
        assert "assigned · waiting for parts" in fields
        timeline = str(app.screen.query_one("#detail-timeline", Static).render())
        assert "timer paused (Other — Fire drill)" in timeline
        assert "timer stopped (Waiting for parts — Pads on order)" in timeline
        assert "parked (Waiting for parts) by Tech1 — Pads on order" in timeline
