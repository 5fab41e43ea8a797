"""Manager dashboard (ops_manager, super_admin): fleet, tickets, backlog, QC trend, team."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Sparkline, Static

from .. import keys
from ..domain import FleetAnalytics, Shop, TeamAnalytics, fleet_analytics, team_analytics
from ..widgets.formatting import hm
from .base import ShopScreen

DAY_CHOICES = (7, 14, 30)


@dataclass(frozen=True)
class Overview:
    """Fleet and team figures, read together."""

    fleet: FleetAnalytics
    team: TeamAnalytics


def read_overview(shop: Shop, actor_id: int, days: int) -> Overview:
    """Fleet and team analytics over ``days`` days (runs in a worker)."""
    return Overview(
        fleet_analytics(shop, actor_id, days=days), team_analytics(shop, actor_id, days=days)
    )


def percent(value: float | None) -> str:
    """A rounded percentage, or ``-`` when there is nothing to divide."""
    return "-" if value is None else f"{value:.0f}%"


class DashboardScreen(ShopScreen):
    """The shop at a glance; refreshes itself when anything changes."""

    TITLE = "Dashboard"
    BINDINGS = keys.DASHBOARD

    def __init__(self) -> None:
        super().__init__()
        self.days_index = 1

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
        yield DataTable(id="team-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#team-table", DataTable)
        for label, width in (
            ("Technician", 12),
            ("Done", 4),
            ("1st pass", 8),
            ("XP", 4),
            ("In prog", 7),
            ("Queued", 6),
            ("Worked", 7),
            ("SRT eff", 7),  # SRT against the time worked on the tickets done
            ("Pauses", 7),  # today, against the daily budget
        ):
            table.add_column(label, width=width)
        table.focus()

    def refresh_data(self) -> None:
        self.call(read_overview, self.me, self.days, done=self._show, exclusive=True, group="dash")

    def _show(self, overview: Overview) -> None:
        fleet, team = overview.fleet, overview.team
        bikes = fleet.bikes_by_status
        self.query_one("#dash-fleet", Static).update(
            f"[b]Fleet[/b] {fleet.bikes_total} bikes\n"
            f"Available [b]{fleet.availability_percent:.0f}%[/b]\n"
            f"ready {bikes.get('ready', 0)} · service {bikes.get('in_service', 0)}\n"
            f"rented {bikes.get('rented', 0)} · blocked {bikes.get('blocked', 0)}\n"
            f"written off {bikes.get('write_off', 0)}"
        )
        n = fleet.tickets_by_status
        self.query_one("#dash-tickets", Static).update(
            f"[b]Backlog[/b] {fleet.backlog} open tickets\n"
            f"new {n['new']} · assigned {n['assigned']}\n"
            f"in progress {n['in_progress']}\n"
            f"rework {n['rework']} · in QC {n['waiting_qc']}\n"
            f"done {n['done']} · parts wait {fleet.tickets_parked}"
        )
        rates = [d.first_pass_rate for d in fleet.qc_trend]
        self.query_one("#dash-qc-text", Static).update(
            f"[b]QC first pass[/b] {percent(fleet.qc_first_pass_percent)}\n"
            f"{fleet.qc_first_pass_total} of {fleet.qc_passed_total} passes\n"
            f"daily %, {self.days} days:"
        )
        self.query_one("#dash-trend", Sparkline).data = [r if r is not None else 0.0 for r in rates]
        table = self.query_one("#team-table", DataTable)
        row = table.cursor_row
        table.clear()
        for t in team.technicians:
            table.add_row(
                Text(t.display_name),
                str(t.done),
                percent(t.first_pass_percent),
                str(t.xp),
                str(t.in_progress),
                str(t.assigned),
                hm(t.worked_seconds),
                percent(t.efficiency_percent),
                Text(
                    "OUT" if t.pause_budget_ran_out else hm(t.pause_budget_used_seconds),
                    style="bold red" if t.pause_budget_ran_out else "",
                ),
                key=str(t.user_id),
            )
        if team.technicians:
            table.move_cursor(row=min(row, len(team.technicians) - 1), animate=False)
        out = [t.display_name for t in team.technicians if t.pause_budget_ran_out]
        ran_out = f" · out of pause budget today: {', '.join(out)}" if out else ""
        self.set_status(
            f"Team figures over the last {team.days} days · d changes the period{ran_out}"
        )

    def action_cycle_days(self) -> None:
        self.days_index = (self.days_index + 1) % len(DAY_CHOICES)
        self.refresh_data()
