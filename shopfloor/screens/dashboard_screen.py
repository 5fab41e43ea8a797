"""Manager dashboard (ops_manager, super_admin): fleet, tickets, backlog, QC trend, team,
and the tasks QC fails most."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from textual.containers import Horizontal, Vertical
from textual.widgets import Sparkline, Static

from .. import keys
from ..domain import (
    FleetAnalytics,
    Permission,
    Shop,
    TeamAnalytics,
    TechnicianStats,
    allows,
    failed_tasks,
    fleet_analytics,
    team_analytics,
)
from ..domain.downtime import Downtime, downtime_by_reason
from ..domain.ticks import FailedTask
from ..widgets.formatting import hm
from ..widgets.ticket_pager import Column, FittedTable
from .base import ShopScreen

DAY_CHOICES = (7, 14, 30)
# The admin screens the dashboard opens, and what the role needs for each (issue 24).
ADMIN_SCREENS: dict[str, Permission] = {
    "people": Permission.MANAGE_USERS,
    "fleet": Permission.MANAGE_BIKES,
    "rules": Permission.EDIT_TIMER_RULES,
}


@dataclass(frozen=True)
class Overview:
    """Fleet and team figures, read together (and where the time went, when shown)."""

    fleet: FleetAnalytics
    team: TeamAnalytics
    downtime: Downtime | None = None
    failed: tuple[FailedTask, ...] = ()  # the tasks QC fails named, most often first


def most_failed(failed: tuple[FailedTask, ...]) -> str:
    """The tasks QC failed most, for the status line ("" when no fail named a task)."""
    top = ", ".join(f"{f.task[:30]} ({f.fails})" for f in failed[:3])
    return f" · most failed at QC: {top}" if top else ""


def read_overview(shop: Shop, actor_id: int, days: int, downtime: bool = False) -> Overview:
    """Fleet and team analytics over ``days`` days, and the downtime by reason when
    ``downtime`` (runs in a worker)."""
    return Overview(
        fleet_analytics(shop, actor_id, days=days),
        team_analytics(shop, actor_id, days=days),
        downtime_by_reason(shop, actor_id, days=days) if downtime else None,
        tuple(failed_tasks(shop, actor_id, days=days)),
    )


class PausedRow(NamedTuple):
    """One line of the downtime table: the team, a technician or a day."""

    name: str
    seconds: int
    by_reason: dict[str, int]


# The bottom table shows the team, or the paused time by reason per technician or per day.
TABLE_VIEWS = ("team", "downtime by technician", "downtime by day")


def _reason_time(code: str) -> Callable[[PausedRow], str]:
    return lambda row: hm(row.by_reason[code]) if row.by_reason.get(code) else "-"


def downtime_columns(downtime: Downtime) -> list[Column[PausedRow]]:
    """Who (or which day), the total, then one column per reason that took any time; on a
    narrow terminal the smallest reasons give way first."""
    used = sorted((r for r in downtime.reasons if r.seconds), key=lambda r: -r.seconds)
    columns: list[Column[PausedRow]] = [
        Column("Paused", lambda r: r.name, 10, grow=1, wrap=True),
        Column("Total", lambda r: hm(r.seconds), 7),
    ]
    for rank, reason in enumerate(used, start=1):
        label = reason.label if len(reason.label) <= 14 else reason.label[:13] + "…"
        columns.append(Column(label, _reason_time(reason.code), 7, drop=rank))
    return columns


def downtime_rows(downtime: Downtime, by_day: bool) -> list[PausedRow]:
    """The team's total first, then each technician (most paused first) or each day
    (newest first)."""
    split = {r.code: r.seconds for r in downtime.reasons}
    rows = [PausedRow("Team", sum(split.values()), split)]
    if by_day:
        rows += [
            PausedRow(f"{d.day:%a %d %b}", d.seconds, d.by_reason)
            for d in reversed(downtime.by_day)
        ]
    else:
        rows += [PausedRow(t.display_name, t.seconds, t.by_reason) for t in downtime.by_technician]
    return rows


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
    BINDINGS = [*keys.DASHBOARD, *keys.DASHBOARD_ADMIN]

    def __init__(self) -> None:
        super().__init__()
        self.days_index = 1
        self.table_view = 0  # TABLE_VIEWS
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
        yield FittedTable([], id="downtime-table")

    def on_mount(self) -> None:
        self.query_one("#downtime-table").display = False
        self.query_one("#team-table", FittedTable).focus()

    def refresh_data(self) -> None:
        self.call(
            read_overview,
            self.me,
            self.days,
            self.table_view > 0,
            done=self._show,
            exclusive=True,
            group="dash",
        )

    def _show(self, overview: Overview) -> None:
        self.overview = overview
        self._show_cards()
        team = overview.team
        table: FittedTable[TechnicianStats] = self.query_one("#team-table", FittedTable)
        table.show(team.technicians, [str(t.user_id) for t in team.technicians])
        if overview.downtime is not None and self.table_view > 0:
            self._show_downtime(overview.downtime)
            return
        out = [t.display_name for t in team.technicians if t.pause_budget_ran_out]
        ran_out = f" · out of pause budget today: {', '.join(out)}" if out else ""
        self.set_status(
            f"Team figures over the last {team.days} days · d changes the period{ran_out}"
            + most_failed(overview.failed)
        )

    def _show_downtime(self, downtime: Downtime) -> None:
        table: FittedTable[PausedRow] = self.query_one("#downtime-table", FittedTable)
        table.columns_shown = downtime_columns(downtime)
        rows = downtime_rows(downtime, by_day=self.table_view == 2)
        table.show(rows, [str(n) for n in range(len(rows))])
        self.set_status(
            f"Paused by reason, last {downtime.days} days, "
            f"{'per day' if self.table_view == 2 else 'per technician'} · w: "
            f"{TABLE_VIEWS[(self.table_view + 1) % len(TABLE_VIEWS)]}"
        )

    def action_cycle_table(self) -> None:
        self.table_view = (self.table_view + 1) % len(TABLE_VIEWS)
        team, downtime = self.query_one("#team-table"), self.query_one("#downtime-table")
        team.display, downtime.display = self.table_view == 0, self.table_view > 0
        (downtime if self.table_view else team).focus()
        self.refresh_data()

    def action_export(self) -> None:
        """Export worked time, XP, QC, pauses or tickets to the data directory."""
        from .export_flow import start_export

        directory = self.shop_app.settings.data_dir / "exports"

        def exported(said: str) -> None:
            self.set_status(said)
            self.notify(said, timeout=15)  # the whole path, however long

        start_export(self, directory, exported)

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
            # Available: ready with no open ticket (a new or assigned one books the bike).
            fleet_lines = [
                f"[b]Fleet[/b] {fleet.bikes_total} bikes",
                f"Available [b]{fleet.free_percent:.0f}%[/b]",
                f"rdy {ready} · free {fleet.bikes_free}",
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
                f"[b]Fleet[/b] {fleet.bikes_total} · {fleet.bikes_free} free",
                f"Available [b]{fleet.free_percent:.0f}%[/b]",
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_admin":
            return allows(self.session.acting_roles(), ADMIN_SCREENS[str(parameters[0])])
        return True

    def action_open_admin(self, name: str) -> None:
        """People, Fleet or Rules, over the dashboard (escape comes back)."""
        from .fleet_screen import FleetScreen
        from .people_screen import PeopleScreen
        from .rules_screen import RulesScreen

        screens: dict[str, type[ShopScreen]] = {
            "people": PeopleScreen,
            "fleet": FleetScreen,
            "rules": RulesScreen,
        }
        self.app.push_screen(screens[name]())

    # --- issue 21's lists: what to order, what to review -------------------------------------

    def action_parts_waiting(self) -> None:
        from .parts_waiting_screen import PartsWaitingScreen

        self.app.push_screen(PartsWaitingScreen())

    def action_review_queue(self) -> None:
        from .review_queue_screen import ReviewQueueScreen

        self.app.push_screen(ReviewQueueScreen())
