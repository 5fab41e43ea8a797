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
from shopfloor.screens.technician_screen import ReasonDialog, TechnicianScreen
from shopfloor.screens.ticket_detail_screen import TicketDetailScreen
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


async def test_the_technician_sees_the_timer_resume_when_the_pause_budget_runs_out(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        pauses = app.screen.query_one("#pauses", Static)
        assert "Pauses  10m of 30m" in str(pauses.render())  # two 5-minute pauses earlier
        await pilot.press("p", "2")  # tool or bay busy: counted
        await settle(pilot)
        assert open_session_of(shop, people.tech1).status == "paused"  # type: ignore[union-attr]
        clock.advance(minutes=45)
        screen = app.screen
        assert isinstance(screen, TechnicianScreen)
        screen.refresh_data()  # what the screen does every two seconds
        await settle(pilot)
        assert "pause budget for today is used up" in status_line(app)
        assert "30m of 30m used up" in str(pauses.render())
        assert "RUNNING" in str(app.screen.query_one("#timer-caption", Static).render())
    assert open_session_of(shop, people.tech1).status == "running"  # type: ignore[union-attr]


async def test_the_technician_is_told_of_a_budget_resume_that_another_read_settled(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    """Another terminal, the API or an overlapping refresh may be the one that resumes."""
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("p", "2")  # tool or bay busy: counted
        await settle(pilot)
        clock.advance(minutes=45)
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
