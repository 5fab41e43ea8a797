"""Manager dashboard (ops_manager, super_admin): fleet, tickets, backlog, QC trend, team,
and the tasks QC fails most."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from textual.containers import Horizontal, Vertical
from textual.widgets import Sparkline, Static

from .. import keys
from ..domain import (
    FleetAnalytics,
    Shop,
    TeamAnalytics,
    TechnicianStats,
    failed_tasks,
    fleet_analytics,
    team_analytics,
)
from ..domain.ticks import FailedTask
from ..widgets.formatting import hm
from ..widgets.ticket_pager import Column, FittedTable
from .base import ShopScreen

DAY_CHOICES = (7, 14, 30)


@dataclass(frozen=True)
class Overview:
    """Fleet and team figures, read together."""

    fleet: FleetAnalytics
    team: TeamAnalytics
    failed: tuple[FailedTask, ...] = ()  # the tasks QC fails named, most often first


def most_failed(failed: tuple[FailedTask, ...]) -> str:
    """The tasks QC failed most, for the status line ("" when no fail named a task)."""
    top = ", ".join(f"{f.task[:30]} ({f.fails})" for f in failed[:3])
    return f" · most failed at QC: {top}" if top else ""


def read_overview(shop: Shop, actor_id: int, days: int) -> Overview:
    """Fleet and team analytics over ``days`` days (runs in a worker)."""
    return Overview(
        fleet_analytics(shop, actor_id, days=days),
        team_analytics(shop, actor_id, days=days),
        tuple(failed_tasks(shop, actor_id, days=days)),
    )


def percent(value: float | None) -> str:
    """A rounded percentage, or ``-`` when there is nothing to divide."""
    return "-" if value is None else f"{value:.0f}%"


def pauses(t: TechnicianStats) -> str:
    """Today's pauses against the daily budget: ``OUT`` once it ran out."""
    return "OUT" if t.pause_budget_ran_out else hm(t.pause_budget_used_seconds)


# The team table; on a narrow terminal the load columns (also on the Assign board) and XP
# go first, so SRT efficiency and today's pauses stay in view.
TEAM_COLUMNS: list[Column[TechnicianStats]] = [
    Column("Technician", lambda t: t.display_name, 10, grow=1, wrap=True),
    Column("Done", lambda t: str(t.done), 4),
    Column("1st pass", lambda t: percent(t.first_pass_percent), 8),
    Column("XP", lambda t: str(t.xp), 4, drop=1),
    Column("In prog", lambda t: str(t.in_progress), 7, drop=2),
    Column("Queued", lambda t: str(t.assigned), 6, drop=3),
    Column("Worked", lambda t: hm(t.worked_seconds), 7),
    # SRT against the time worked on the tickets done
    Column("SRT eff", lambda t: percent(t.efficiency_percent), 7),
    Column(
        "Pauses", pauses, 6, marker=lambda t: "alarm" if t.pause_budget_ran_out else None
    ),  # today, against the daily budget
]


class DashboardScreen(ShopScreen):
    """The shop at a glance; refreshes itself when anything changes."""

    TITLE = "Dashboard"
    BINDINGS = keys.DASHBOARD

    def __init__(self) -> None:
        super().__init__()
        self.days_index = 1
        self.overview: Overview | None = None

    @property
    def days(self) -> int:
        return DAY_CHOICES[self.days_index]

    def compose_body(self) -> Iterable[Any]:
        with Horizontal(id="dash-top"):
            yield Static("", id="dash-fleet", classes="card")
            yield Static("", id="dash-tickets", classes="card")
            with Vertical(id="dash-qc", classes="card"):
                yield Static("", id="dash-qc-text")
                yield Sparkline([], id="dash-trend")
        yield FittedTable(TEAM_COLUMNS, id="team-table")

    def on_mount(self) -> None:
        self.query_one("#team-table", FittedTable).focus()

    def refresh_data(self) -> None:
        self.call(read_overview, self.me, self.days, done=self._show, exclusive=True, group="dash")

    def _show(self, overview: Overview) -> None:
        self.overview = overview
        self._show_cards()
        team = overview.team
        table: FittedTable[TechnicianStats] = self.query_one("#team-table", FittedTable)
        table.show(team.technicians, [str(t.user_id) for t in team.technicians])
        out = [t.display_name for t in team.technicians if t.pause_budget_ran_out]
        ran_out = f" · out of pause budget today: {', '.join(out)}" if out else ""
        self.set_status(
            f"Team figures over the last {team.days} days · d changes the period{ran_out}"
            + most_failed(overview.failed)
        )

    def on_resize(self) -> None:
        self._show_cards()  # under 70 columns the cards say it in fewer words

    def _show_cards(self) -> None:
        if self.overview is None:
            return
        fleet = self.overview.fleet
        bikes = fleet.bikes_by_status
        n = fleet.tickets_by_status
        ready, service = bikes.get("ready", 0), bikes.get("in_service", 0)
        rented, blocked = bikes.get("rented", 0), bikes.get("blocked", 0)
        written_off = bikes.get("write_off", 0)
        narrow = self.has_class("-narrow")  # 16 columns a card: every line fits whole
        if narrow:
            fleet_lines = [
                f"[b]Fleet[/b] {fleet.bikes_total} bikes",
                f"Available [b]{fleet.availability_percent:.0f}%[/b]",
                f"ready {ready}",
                f"service {service}",
                f"other {rented + blocked + written_off}",  # rented, blocked, written off
            ]
            ticket_lines = [
                f"[b]Backlog[/b] {fleet.backlog}",
                f"new {n['new']} · asg {n['assigned']}",
                f"in progress {n['in_progress']}",
                f"rework {n['rework']} · QC {n['waiting_qc']}",
                f"parts wait {fleet.tickets_parked}",
            ]
        else:
            fleet_lines = [
                f"[b]Fleet[/b] {fleet.bikes_total} bikes",
                f"Available [b]{fleet.availability_percent:.0f}%[/b]",
                f"ready {ready} · service {service}",
                f"rented {rented} · blocked {blocked}",
                f"written off {written_off}",
            ]
            ticket_lines = [
                f"[b]Backlog[/b] {fleet.backlog} open tickets",
                f"new {n['new']} · assigned {n['assigned']}",
                f"in progress {n['in_progress']}",
                f"rework {n['rework']} · in QC {n['waiting_qc']}",
                f"done {n['done']} · parts wait {fleet.tickets_parked}",
            ]
        self.query_one("#dash-fleet", Static).update("\n".join(fleet_lines))
        self.query_one("#dash-tickets", Static).update("\n".join(ticket_lines))
        first_pass = "QC 1st pass" if narrow else "QC first pass"
        self.query_one("#dash-qc-text", Static).update(
            f"[b]{first_pass}[/b] {percent(fleet.qc_first_pass_percent)}\n"
            f"{fleet.qc_first_pass_total} of {fleet.qc_passed_total} passes\n"
            f"daily %, {self.days} days:"
        )
        rates = [d.first_pass_rate for d in fleet.qc_trend]
        self.query_one("#dash-trend", Sparkline).data = [r if r is not None else 0.0 for r in rates]

    def action_cycle_days(self) -> None:
        self.days_index = (self.days_index + 1) % len(DAY_CHOICES)
        self.refresh_data()

    # --- issue 21's lists: what to order, what to review -------------------------------------

    def action_parts_waiting(self) -> None:
        from .parts_waiting_screen import PartsWaitingScreen

        self.app.push_screen(PartsWaitingScreen())

    def action_review_queue(self) -> None:
        from .review_queue_screen import ReviewQueueScreen

        self.app.push_screen(ReviewQueueScreen())
