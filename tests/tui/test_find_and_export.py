"""Finding anything in the TUI (a mistyped bike code, a bike's history, where the time
went) and exports from the dashboard, keyboard only at 80x24."""

from __future__ import annotations

import csv
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from shopfloor.app import ShopfloorApp
from shopfloor.config import Settings
from shopfloor.domain import ManualClock, Shop, team_analytics
from shopfloor.screens.bike_history_screen import BikeHistoryScreen
from shopfloor.screens.dashboard_screen import DashboardScreen
from shopfloor.screens.ticket_detail_screen import TicketDetailScreen
from shopfloor.screens.ticket_list_screen import TicketListScreen
from shopfloor.widgets.ticket_pager import FittedTable, TicketPager

from ..conftest import People
from .conftest import quiet, settle
from .test_admin_screens import fill_form, log_in, status_line
from .workshop import Workshop


def listed(app: ShopfloorApp) -> list[int]:
    pager = app.screen.query_one(TicketPager)
    return sorted(int(key) for key in pager._tickets)


async def find(pilot: Pilot[None], text: str) -> None:
    await pilot.press("slash")
    await settle(pilot)
    await fill_form(pilot, text)


async def test_a_master_finds_a_bike_by_a_mistyped_code_and_opens_its_history(
    app: ShopfloorApp, workshop: Workshop, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await pilot.press("f6", "s")  # every ticket, done ones too
        await settle(pilot)
        assert isinstance(app.screen, TicketListScreen)
        await find(pilot, "RM-1O02")  # a letter O for the zero
        assert workshop.done_after_rework in listed(app)
        assert status_line(app) == "All tickets matching 'RM-1O02' · c clears"
        app.screen.pager.highlight(workshop.done_after_rework)
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, BikeHistoryScreen)
        bike_line = str(app.screen.query_one("#history-bike", Static).render())
        assert bike_line.startswith("RM-1002 · ready · in the fleet since")
        (repair,) = app.screen.table._rows
        assert [q.passed for q in repair.qc] == [False, True]
        assert repair.qc[0].note == "Tyre still loses pressure."
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        await pilot.press("escape", "escape", "c")
        await settle(pilot)
        assert isinstance(app.screen, TicketListScreen)
        assert status_line(app).startswith("Showing all tickets")


async def test_the_tickets_of_one_technician_and_the_history_from_a_ticket(
    app: ShopfloorApp, workshop: Workshop, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await pilot.press("f6", "s", "t")
        await settle(pilot)
        await pilot.press("down", "enter")  # the first technician: tech1
        await settle(pilot)
        assert workshop.rework in listed(app)
        assert workshop.waiting_qc not in listed(app)  # tech2's
        assert "of Tech1" in status_line(app)
        app.screen.pager.highlight(workshop.rework)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, BikeHistoryScreen)
        assert [r.ticket.id for r in app.screen.table._rows] == [workshop.rework]


async def test_the_dashboard_shows_where_the_time_went_by_reason(
    app: ShopfloorApp, workshop: Workshop, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("w")
        await settle(pilot)
        table: FittedTable[object] = app.screen.query_one("#downtime-table", FittedTable)
        assert table.display
        assert table._rows[0].name == "Team"  # type: ignore[attr-defined]
        assert status_line(app).startswith("Paused by reason, last 14 days, per technician")
        await pilot.press("w")
        await settle(pilot)
        assert "per day" in status_line(app)
        await pilot.press("w")
        await settle(pilot)
        assert not table.display
        assert status_line(app).startswith("Team figures")


async def test_a_manager_exports_worked_time_to_csv_and_xlsx_with_the_dashboards_totals(
    app: ShopfloorApp,
    shop: Shop,
    clock: ManualClock,
    settings: Settings,
    workshop: Workshop,
    people: People,
) -> None:
    day = clock.now().date().isoformat()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("enter")  # worked time
        await settle(pilot)
        await pilot.press("ctrl+u")
        await fill_form(pilot, day)
        await pilot.press("ctrl+u")
        await fill_form(pilot, day)
        await pilot.press("down", "down", "enter")  # both
        await settle(pilot)
        await quiet(pilot)
        assert status_line(app).startswith("Exported 2 rows of worktime to ")
    folder = Path(settings.data_dir) / "exports"
    name = f"shopfloor-worktime-{day}-to-{day}"
    assert (folder / f"{name}.xlsx").stat().st_size > 0
    with (folder / f"{name}.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    worked = sum(int(r["worked_seconds"]) for r in rows)
    dashboard = team_analytics(shop, people.manager, days=1)
    assert worked == sum(t.worked_seconds for t in dashboard.technicians)
