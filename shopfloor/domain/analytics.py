"""Read-only analytics for managers, computed by SQL aggregation.

Every figure comes from a grouped query; Python only merges the few grouped
rows (one per status, day or technician), never whole tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import starmap
from typing import Any

from sqlalchemy import case, func, literal_column, select

from .errors import ValidationFailed
from .models import (
    Bike,
    BikeStatusCount,
    PauseDay,
    TechnicianDay,
    Ticket,
    TicketStatusCount,
    WorkSession,
    session_is_open,
)
from .rules import Permission
from .shop import Tx, reads
from .values import (
    ACTIVE_TICKET_STATUSES,
    UNSPECIFIED_PAUSE_REASON,
    BikeStatus,
    TicketStatus,
    WorkSessionStatus,
)
from .views import (
    BacklogFigures,
    EfficiencyDay,
    FleetAnalytics,
    QcCounts,
    QcDay,
    QcWindow,
    TeamAnalytics,
    TechnicianStats,
    TicketEfficiency,
    efficiency,
)
from .work_sessions import PauseBudget, pause_budgets_today
from .workload import active_technicians, open_ticket_counts
from .worktime import (
    epoch_seconds,
    local_window_start,
    shop_zone,
)

MAX_DAYS = 90
# The original's fleet QC block always covers the last week.
QC_WINDOW_DAYS = 7
# An active ticket's flag bucket by its flag_minutes: (bucket, most minutes), in order.
FLAG_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("green", 30),
    ("yellow", 60),
    ("red", 120),
    ("black", 180),
    ("black_plus", None),
)


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(f"days must be a whole number from 1 to {MAX_DAYS}.", field="days")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _start_of_window(tx: Tx, days: int) -> datetime:
    """The shop's local midnight ``days - 1`` days ago (as UTC): the window includes all
    of today, in the shop's time zone."""
    return local_window_start(tx.now, tx.rules().time_zone, days)


def _one_if(condition: Any) -> Any:
    return case((condition, 1), else_=0)


@reads
def fleet_analytics(tx: Tx, actor_id: int, *, days: int = 14) -> FleetAnalytics:
    """Bikes by status, availability, tickets by status, backlog and the QC first-pass trend."""
    tx.authorise(actor_id, Permission.VIEW_ANALYTICS)
    _check_days(days)
    # Kept exact by triggers on bikes: no scan of the fleet.
    bike_counts = tx.execute(
        select(BikeStatusCount.status, BikeStatusCount.is_active, BikeStatusCount.bikes)
    ).all()
    bikes = {status: int(n) for status, active, n in bike_counts if active}
    bikes_by_status = {s.value: int(bikes.get(s.value, 0)) for s in BikeStatus}
    bikes_total = sum(bikes_by_status.values())
    tickets = dict(tx.execute(select(TicketStatusCount.status, TicketStatusCount.tickets)).all())
    # under_review only shows where the shop's review rule made some (the v1 keys else).
    tickets_by_status = {
        s.value: int(tickets.get(s.value, 0))
        for s in TicketStatus
        if s is not TicketStatus.UNDER_REVIEW or tickets.get(s.value)
    }

    since = _start_of_window(tx, days)
    zone = tx.rules().time_zone
    first_day = since.astimezone(shop_zone(zone)).date()
    totals = tx.execute(
        select(
            func.coalesce(func.sum(TechnicianDay.done), 0),
            func.coalesce(func.sum(TechnicianDay.first_pass), 0),
        )
    ).one()
    by_day = {
        _as_date(d): (int(n or 0), int(fp or 0), int(f or 0))
        for d, n, fp, f in _per_day(tx, first_day, TechnicianDay.qc_fails)
    }
    trend = tuple(
        QcDay(d, *by_day.get(d, (0, 0, 0))[:2])
        for d in (first_day + timedelta(days=i) for i in range(days))
    )
    passed, first = int(totals[0]), int(totals[1])
    all_bikes = sum(int(n) for _, _, n in bike_counts)
    return FleetAnalytics(
        bikes_total=bikes_total,
        bikes_by_status=bikes_by_status,
        availability_percent=round(100.0 * bikes_by_status["ready"] / bikes_total, 1)
        if bikes_total
        else 0.0,
        tickets_by_status=tickets_by_status,
        backlog=sum(tickets_by_status.get(s.value, 0) for s in ACTIVE_TICKET_STATUSES),
        waiting_for_technician=tickets_by_status["new"],
        qc_passed_total=passed,
        qc_first_pass_total=first,
        qc_first_pass_percent=round(100.0 * first / passed, 1) if passed else None,
        qc_trend=trend,
        generated_at=tx.now,
        bikes_all=all_bikes,
        backlog_figures=_backlog(tx),
        qc_window=_qc_window(tx, by_day if days >= QC_WINDOW_DAYS else None),
        tickets_parked=_parked_count(tx),
    )


def _flag_bucket() -> Any:
    # Constants inline (not bound parameters): PostgreSQL must see the GROUP BY
    # expression as the very one selected.
    whens: list[tuple[Any, Any]] = [
        (Ticket.flag_minutes <= literal_column(str(most)), literal_column(f"'{name}'"))
        for name, most in FLAG_BUCKETS
        if most is not None
    ]
    return case(*whens, else_=literal_column(f"'{FLAG_BUCKETS[-1][0]}'"))


def _backlog(tx: Tx) -> BacklogFigures:
    """Active tickets by flag bucket and by status, in one grouped query."""
    bucket = _flag_bucket()
    rows = tx.execute(
        select(
            bucket,
            Ticket.status,
            func.count(),
            func.sum(Ticket.flag_minutes),
            func.sum(epoch_seconds(Ticket.created_at)),
        )
        # The active statuses by name: an index range, not a scan of every done ticket.
        .where(Ticket.status.in_([s.value for s in ACTIVE_TICKET_STATUSES]))
        .group_by(bucket, Ticket.status)
    ).all()
    flags = {name: 0 for name, _ in FLAG_BUCKETS}
    statuses = {
        s.value: 0
        for s in TicketStatus
        if s in ACTIVE_TICKET_STATUSES and s is not TicketStatus.UNDER_REVIEW
    }
    total = flag_sum = created_sum = 0
    for name, status, n, flag_minutes, created in rows:
        flags[name] += int(n)
        statuses[status] = statuses.get(status, 0) + int(n)
        total += int(n)
        flag_sum += int(flag_minutes or 0)
        created_sum += int(created or 0)
    now = int(tx.now.timestamp())
    return BacklogFigures(
        total=total,
        flag_buckets=flags,
        status_buckets=statuses,
        avg_flag_minutes=round(flag_sum / total, 1) if total else None,
        avg_age_minutes=round((now * total - created_sum) / total / 60, 1) if total else None,
    )


def _per_day(tx: Tx, first_day: date, *extra: Any) -> list[Any]:
    """The shop's QC passes and first passes (and ``extra`` sums) per local day since then."""
    return list(
        tx.execute(
            select(
                TechnicianDay.day,
                func.sum(TechnicianDay.done),
                func.sum(TechnicianDay.first_pass),
                *[func.sum(column) for column in extra],
            )
            .where(TechnicianDay.day >= first_day)
            .group_by(TechnicianDay.day)
        ).all()
    )


def _qc_window(tx: Tx, known: dict[date, tuple[int, int, int]] | None = None) -> QcWindow:
    """QC passes (first or after rework) and fails per day over the last week."""
    since = _start_of_window(tx, QC_WINDOW_DAYS)
    zone = tx.rules().time_zone
    first_day = since.astimezone(shop_zone(zone)).date()
    by_day = known
    if by_day is None:
        by_day = {
            _as_date(d): (int(p or 0), int(fp or 0), int(f or 0))
            for d, p, fp, f in _per_day(tx, first_day, TechnicianDay.qc_fails)
        }
    trend = tuple(
        QcCounts(d, p, fp, p, f)
        for d in (first_day + timedelta(days=i) for i in range(QC_WINDOW_DAYS))
        for p, fp, f in [by_day.get(d, (0, 0, 0))]
    )
    totals = QcCounts(
        trend[-1].day,
        sum(c.done for c in trend),
        sum(c.first_pass_done for c in trend),
        sum(c.qc_pass_events for c in trend),
        sum(c.qc_fail_events for c in trend),
    )
    return QcWindow(QC_WINDOW_DAYS, first_day, trend[-1].day, totals, trend)


@reads
def team_analytics(tx: Tx, actor_id: int, *, days: int = 7) -> TeamAnalytics:
    """Per technician over the last ``days`` days: done, first-pass %, XP, load and time."""
    tx.authorise(actor_id, Permission.VIEW_ANALYTICS)
    _check_days(days)
    since = _start_of_window(tx, days)
    techs = active_technicians(tx)

    first_day = since.astimezone(shop_zone(tx.rules().time_zone)).date()
    # One read of the window's rollups (days x technicians rows), summed both ways here.
    rows = tx.execute(
        select(
            TechnicianDay.day,
            TechnicianDay.technician_id,
            TechnicianDay.done,
            TechnicianDay.first_pass,
            TechnicianDay.srt_minutes_done,
            TechnicianDay.worked_seconds_done,
            TechnicianDay.xp,
            TechnicianDay.worked_seconds,
        ).where(TechnicianDay.day >= first_day)
    ).all()
    per_tech: dict[int, list[int]] = {}
    per_day: dict[date, tuple[int, int, int]] = {}
    for day, tid, *figures in rows:
        mine = per_tech.setdefault(tid, [0] * 6)
        for i, value in enumerate(figures):
            mine[i] += int(value or 0)
        n, _, srt, w, _, _ = figures
        d = _as_date(day)
        seen = per_day.get(d, (0, 0, 0))
        per_day[d] = (seen[0] + int(n or 0), seen[1] + int(srt or 0), seen[2] + int(w or 0))
    done = {tid: (n, fp, srt) for tid, (n, fp, srt, *_) in per_tech.items()}
    worked_done = {tid: f[3] for tid, f in per_tech.items()}
    xp = {tid: f[4] for tid, f in per_tech.items()}
    worked = {tid: f[5] for tid, f in per_tech.items()}
    open_running, open_paused = _open_intervals(tx, since)
    for tid, seconds in open_running.items():
        worked[tid] = worked.get(tid, 0) + seconds
    in_progress, assigned = open_ticket_counts(tx)
    timers = _TimerFigures.read(tx, since, days, [tid for tid, _, _ in techs], open_paused, per_day)

    stats = []
    for tid, username, name in techs:
        n_done, n_first, srt = done.get(tid, (0, 0, 0))
        stats.append(
            TechnicianStats(
                user_id=tid,
                username=username,
                display_name=name,
                done=n_done,
                first_pass=n_first,
                first_pass_percent=round(100.0 * n_first / n_done, 1) if n_done else None,
                xp=int(xp.get(tid) or 0),
                in_progress=in_progress.get(tid, 0),
                assigned=assigned.get(tid, 0),
                worked_seconds=worked.get(tid, 0),
                srt_minutes_done=srt,
                worked_seconds_done=int(worked_done.get(tid) or 0),
                **timers.per_technician(tid, srt, int(worked_done.get(tid) or 0)),
            )
        )
    return TeamAnalytics(
        days=days,
        since=since,
        technicians=tuple(stats),
        generated_at=tx.now,
        efficiency_by_day=timers.by_day,
        efficiency_by_ticket=timers.by_ticket,
        pauses_by_reason=timers.pauses_by_reason,
    )


# --- timer figures: efficiency against SRT, pauses by reason, the pause budget ----------------


def _parked_count(tx: Tx) -> int:
    """Assigned tickets on hold (their parked reason is kept while they stay parked)."""
    n = tx.scalar(
        select(func.count()).where(
            Ticket.status == TicketStatus.ASSIGNED, Ticket.parked_reason.is_not(None)
        )
    )
    return int(n or 0)


def _open_intervals(tx: Tx, since: datetime) -> tuple[dict[int, int], list[tuple[int, str, int]]]:
    """The intervals still open now (the daily rollups hold only closed ones), clipped to
    ``since``: running seconds per technician, and (technician, reason, seconds) paused."""
    rows = tx.execute(
        select(
            WorkSession.technician_id,
            WorkSession.status,
            WorkSession.last_started_at,
            WorkSession.updated_at,
            WorkSession.pause_reason,
        ).where(session_is_open())
    ).all()
    running: dict[int, int] = {}
    paused: list[tuple[int, str, int]] = []
    for tid, status, last_started_at, updated_at, reason in rows:
        if status == WorkSessionStatus.RUNNING and last_started_at is not None:
            running[tid] = running.get(tid, 0) + _clipped(last_started_at, since, tx.now)
        elif status == WorkSessionStatus.PAUSED:
            why = reason or UNSPECIFIED_PAUSE_REASON
            paused.append((tid, why, _clipped(updated_at, since, tx.now)))
    return running, paused


def _clipped(start: datetime, since: datetime, now: datetime) -> int:
    return max(0, int(now.timestamp()) - int(max(start, since).timestamp()))


@dataclass(frozen=True)
class _TimerFigures:
    by_day: tuple[EfficiencyDay, ...]
    by_ticket: tuple[TicketEfficiency, ...]
    pauses_by_reason: dict[str, int]
    pauses_by_technician: dict[int, dict[str, int]]
    budgets: dict[int, PauseBudget]

    @classmethod
    def read(
        cls,
        tx: Tx,
        since: datetime,
        days: int,
        technicians: list[int],
        open_paused: list[tuple[int, str, int]],
        days_seen: dict[date, tuple[int, int, int]],
    ) -> _TimerFigures:
        zone = tx.rules().time_zone
        first = since.astimezone(shop_zone(zone)).date()
        # Only the tickets done in the window: a range of the done_at index. Thousands of
        # plain rows: through the Core connection, past the ORM's per-row machinery, each
        # made a view as it is read. Holding every row first (.all()) kept thousands more
        # objects alive, and the garbage collector's full passes came three times as often.
        rows = tx.execute(
            select(
                Ticket.id,
                # Per row by primary key: a join would let the planner scan the whole fleet.
                select(Bike.bike_code).where(Bike.id == Ticket.bike_id).scalar_subquery(),
                Ticket.technician_id,
                Ticket.srt_total_minutes,
                Ticket.worked_seconds,
            )
            .where(Ticket.done_at >= since)
            .order_by(Ticket.done_at, Ticket.id)
        )
        by_ticket = tuple(starmap(TicketEfficiency, rows))
        by_day = tuple(
            EfficiencyDay(d, *days_seen.get(d, (0, 0, 0)))
            for d in (first + timedelta(days=i) for i in range(days))
        )

        pause_rows: list[tuple[Any, Any, Any]] = [
            (tid, why, seconds)
            for tid, why, seconds in tx.execute(
                select(PauseDay.technician_id, PauseDay.reason, func.sum(PauseDay.seconds))
                .where(PauseDay.day >= first)
                .group_by(PauseDay.technician_id, PauseDay.reason)
            )
        ]
        pause_rows += open_paused
        per_tech: dict[int, dict[str, int]] = {}
        team: dict[str, int] = {}
        for tid, why, seconds in pause_rows:
            if not seconds:
                continue
            mine = per_tech.setdefault(tid, {})
            mine[str(why)] = mine.get(str(why), 0) + int(seconds)
            team[str(why)] = team.get(str(why), 0) + int(seconds)
        budgets = pause_budgets_today(tx, technicians)
        return cls(by_day, by_ticket, team, per_tech, budgets)

    def per_technician(self, tid: int, srt_minutes: int, worked_seconds: int) -> dict[str, Any]:
        budget = self.budgets.get(tid)
        return {
            "efficiency_percent": efficiency(srt_minutes, worked_seconds),
            "pause_seconds_by_reason": self.pauses_by_technician.get(tid, {}),
            "pause_budget_used_seconds": budget.used_seconds if budget else 0,
            "pause_budget_ran_out": budget.ran_out_today if budget else False,
        }
