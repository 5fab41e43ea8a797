"""The daily loops: assigning, a technician's timer, QC, and reading tickets back."""

from __future__ import annotations

from datetime import UTC

from textual.pilot import Pilot
from textual.widgets import DataTable, Digits, Sparkline, Static
from textual.widgets.data_table import RowDoesNotExist

from shopfloor.app import ShopfloorApp
from shopfloor.config import Settings
from shopfloor.domain import (
    ManualClock,
    Shop,
    get_ticket,
    list_xp_entries,
    open_session_of,
    ticket_transitions,
)
from shopfloor.screens.assign_screen import AssignScreen
from shopfloor.screens.dashboard_screen import DashboardScreen
from shopfloor.screens.dialogs import ConfirmDialog, TextDialog
from shopfloor.screens.qc_queue_screen import QcQueueScreen
from shopfloor.screens.technician_screen import TechnicianScreen
from shopfloor.screens.ticket_detail_screen import TicketDetailScreen
from shopfloor.screens.ticket_list_screen import TicketListScreen
from shopfloor.widgets.ticket_pager import TicketPager

from ..conftest import People
from .conftest import FakeIdle, log_in, settle, tick
from .workshop import Workshop


def status_line(app: ShopfloorApp) -> str:
    return str(app.screen.query_one("#status-line", Static).render())


def timer_value(app: ShopfloorApp) -> str:
    return app.screen.query_one("#timer-digits", Digits).value


def row_keys(app: ShopfloorApp) -> list[int]:
    table = app.screen.query_one(TicketPager).table
    return [
        int(str(table.coordinate_to_cell_key((r, 0)).row_key.value)) for r in range(table.row_count)
    ]


async def move_to(pilot: Pilot[None], app: ShopfloorApp, ticket_id: int) -> None:
    """Highlight the ticket's row (waiting for the page that holds it, on a busy machine)."""
    for _ in range(10):
        table = app.screen.query_one(TicketPager).table
        try:
            table.move_cursor(row=table.get_row_index(str(ticket_id)))
        except RowDoesNotExist:
            await settle(pilot)
            continue
        await pilot.pause()
        return
    raise AssertionError(f"ticket {ticket_id} is not listed")


# --- assign -------------------------------------------------------------------------------


async def test_manager_assigns_a_new_ticket_with_one_digit(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, AssignScreen)
        waiting = row_keys(app)
        assert waiting == [workshop.rework, *workshop.new]  # new and rework, oldest first
        techs = app.screen.query_one("#tech-table", DataTable)
        rows = [techs.get_row_at(r) for r in range(techs.row_count)]
        names_and_timers = [(str(row[1]), str(row[2])) for row in rows]
        assert names_and_timers == [("Tech1", "▶"), ("Tech2", "")]  # tech1's timer runs
        await move_to(pilot, app, workshop.new[0])
        await pilot.press("2")
        await settle(pilot)
        assert f"#{workshop.new[0]} RM-1007 assigned to Tech2" in status_line(app)
        assert workshop.new[0] not in row_keys(app)
        assert [str(techs.get_row_at(r)[4]) for r in range(2)] == ["2", "1"]  # assigned + rework
    ticket = get_ticket(shop, workshop.new[0])
    assert (ticket.status, ticket.technician) == ("assigned", people.tech2)


async def test_master_reassigns_an_assigned_ticket(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("v")  # show assigned tickets too
        await settle(pilot)
        assert workshop.assigned in row_keys(app)
        await move_to(pilot, app, workshop.assigned)
        await pilot.press("tab", "down", "a")  # to the technicians, tech2, assign
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)  # a reassignment asks first
        await pilot.press("y")
        await settle(pilot)
    assert get_ticket(shop, workshop.assigned).technician == people.tech2


# --- technician ---------------------------------------------------------------------------


async def test_technician_times_work_and_sends_it_to_qc(
    app: ShopfloorApp,
    shop: Shop,
    clock: ManualClock,
    people: People,
    workshop: Workshop,
    idle: FakeIdle,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        assert isinstance(app.screen, TechnicianScreen)
        assert timer_value(app) == "0:12:34"  # the running session, from its history
        assert "RUNNING · #9 RM-1009" in str(
            app.screen.query_one("#timer-caption", Static).render()
        )
        clock.advance(minutes=5)
        await tick(pilot)  # the timer ticks from the shop's clock
        assert timer_value(app) == "0:17:34"
        await pilot.press("p")  # pause asks why: one digit picks the reason
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert open_session_of(shop, people.tech1).status == "paused"  # type: ignore[union-attr]
        assert "PAUSED" in str(app.screen.query_one("#timer-caption", Static).render())
        clock.advance(minutes=3)
        await tick(pilot)
        assert timer_value(app) == "0:17:34"  # a paused timer stands still
        idle.now += 3  # resumed seconds later: a deliberate press, not a double tap
        await pilot.press("p")
        await settle(pilot)
        assert open_session_of(shop, people.tech1).status == "running"  # type: ignore[union-attr]
        await move_to(pilot, app, workshop.running)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert f"#{workshop.running} RM-1009 sent to QC." in status_line(app)
        assert timer_value(app) == "0:00:00"
        assert get_ticket(shop, workshop.running).status == "waiting_qc"
        await move_to(pilot, app, workshop.assigned)
        await pilot.press("s")
        await settle(pilot)
        assert "Timer started on" in status_line(app)
        clock.advance(minutes=1)
        await tick(pilot)
        assert timer_value(app) == "0:01:00"
    assert get_ticket(shop, workshop.running).worked_seconds == 17 * 60 + 34
    assert get_ticket(shop, workshop.assigned).status == "in_progress"


async def test_a_refused_action_is_explained_on_the_screen(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("x")  # stop the timer; the ticket stays in progress
        await settle(pilot)
        await move_to(pilot, app, workshop.assigned)
        await pilot.press("s")  # but one ticket in progress at a time
        await settle(pilot)
        assert f"already has ticket #{workshop.running} in progress" in status_line(app)
    assert get_ticket(shop, workshop.assigned).status == "assigned"


async def test_time_today_and_xp_are_shown(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        # tech1: 40 min on the first-pass ticket, 20 on the rework one, 12:34 running now.
        assert "1:12:34" in str(app.screen.query_one("#today", Static).render())
        assert "XP  4" in str(app.screen.query_one("#xp", Static).render())  # ceil(45/20)+1


async def test_timer_after_a_restart_comes_from_the_history(
    shop: Shop, settings: Settings, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    first = ShopfloorApp(shop, settings, tz=UTC, idle_clock=FakeIdle())
    async with first.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        assert timer_value(first) == "0:12:34"
    clock.advance(minutes=20)  # the terminal was closed for twenty minutes
    second = ShopfloorApp(shop, settings, tz=UTC, idle_clock=FakeIdle())
    async with second.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        assert timer_value(second) == "0:32:34"


async def test_technician_is_not_offered_another_technicians_work(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech2")
        mine = row_keys(app)
        assert workshop.waiting_qc in mine
        assert workshop.assigned not in mine
        assert workshop.rework not in mine  # that rework belongs to tech1


# --- QC -----------------------------------------------------------------------------------


async def test_qc_passes_first_time_and_shows_the_xp(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        assert isinstance(app.screen, QcQueueScreen)
        assert row_keys(app) == [workshop.waiting_qc, workshop.waiting_qc_rework]
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)  # the bike code, then one key to pass
        await pilot.press("y")
        await settle(pilot)
        assert (
            f"#{workshop.waiting_qc} RM-1003 passed QC — first pass: +3 XP (base 2 + bonus 1)"
            in status_line(app)
        )
        assert row_keys(app) == [workshop.waiting_qc_rework]
    assert get_ticket(shop, workshop.waiting_qc).status == "done"
    paid = list_xp_entries(shop, people.manager, ticket_id=workshop.waiting_qc)
    assert sorted(e.amount for e in paid) == [1, 2]


async def test_qc_pass_after_rework_earns_no_bonus(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        await move_to(pilot, app, workshop.waiting_qc_rework)
        await pilot.press("p", "enter")  # enter confirms as well as y
        await settle(pilot)
        assert "passed after rework: +2 XP (base 2)" in status_line(app)


async def test_qc_fails_with_a_note(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        await pilot.press("f", "enter")  # no task named: the note says what to fix
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"Chain skips", "enter")
        await settle(pilot)
        assert "failed QC; back to Tech2 as rework" in status_line(app)
    last = ticket_transitions(shop, workshop.waiting_qc)[0]
    assert (last.action, last.note) == ("qc_fail", "Chain skips")
    assert get_ticket(shop, workshop.waiting_qc).status == "rework"


# --- reading ------------------------------------------------------------------------------


async def test_ticket_detail_shows_fields_checklist_and_timeline(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await log_in(pilot, "nobody")
        assert isinstance(app.screen, TicketListScreen)
        await pilot.press("s")  # active -> all
        await settle(pilot)
        await move_to(pilot, app, workshop.done_after_rework)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        fields = str(app.screen.query_one("#detail-fields", Static).render())
        assert "RM-1002" in fields
        assert "failed QC 1 time(s)" in fields
        assert "worked 0:40:00" in fields
        assert "15m over SRT" in fields
        timeline = str(app.screen.query_one("#detail-timeline", Static).render())
        for words in ("taken in", "assigned", "timer paused", "QC failed", "after rework, +2+0 XP"):
            assert words in timeline
        assert "Tyre still loses pressure." in timeline
        assert "Total 0:40:00 in 2 session(s)" in str(
            app.screen.query_one("#detail-sessions", Static).render()
        )
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TicketListScreen)


async def test_dashboard_shows_fleet_tickets_qc_trend_and_team(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        assert isinstance(app.screen, DashboardScreen)
        fleet = str(app.screen.query_one("#dash-fleet", Static).render())
        assert "Fleet 10 · 3 free" in fleet  # eleven added, one archived
        # Six ready, three of them booked by a new or assigned ticket: not available.
        assert "Available 30%" in fleet
        assert "ready 6" in fleet
        tickets = str(app.screen.query_one("#dash-tickets", Static).render())
        assert "Backlog 7 open tickets" in tickets
        assert "rework 1 · in QC 2" in tickets
        qc = str(app.screen.query_one("#dash-qc-text", Static).render())
        assert "QC first pass 50%" in qc
        assert list(app.screen.query_one(Sparkline).data or [])[-1] == 50.0
        team = app.screen.query_one("#team-table", DataTable)
        assert [str(team.get_row_at(r)[0]) for r in range(team.row_count)] == ["Tech1", "Tech2"]


async def test_ticket_list_pages_through_many_tickets(
    app: ShopfloorApp, shop: Shop, people: People
) -> None:
    from .workshop import take_in

    for n in range(60):
        take_in(shop, people, f"RM-{2000 + n}", f"Job {n}")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "nobody")
        info = app.screen.query_one(".pager-info", Static)
        assert "page 1/2 · 60 tickets" in str(info.render())
        assert row_keys(app)[0] == 60  # newest first
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "page 2/2" in str(info.render())
        assert row_keys(app) == list(range(10, 0, -1))


async def test_text_people_typed_is_shown_as_typed(
    app: ShopfloorApp, shop: Shop, people: People
) -> None:
    from .workshop import take_in

    ticket = take_in(shop, people, "RM-3001", "Rewire [red] lamp [/b]")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "nobody")
        await move_to(pilot, app, ticket)
        await pilot.press("enter")
        await settle(pilot)
        fields = str(app.screen.query_one("#detail-fields", Static).render())
        assert "Rewire [red] lamp [/b]" in fields
