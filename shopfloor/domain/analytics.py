"""Read-only analytics for managers, computed by SQL aggregation.

Every figure comes from a grouped query; Python only merges the few grouped
rows (one per status, day or technician), never whole tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, literal_column, select
from sqlalchemy.orm import aliased

from .errors import ValidationFailed
from .models import Bike, Ticket, TicketTransition, WorkSession, XpEntry
from .rules import Permission, require
from .shop import Tx, reads
from .values import (
    ACTIVE_TICKET_STATUSES,
    UNSPECIFIED_PAUSE_REASON,
    BikeStatus,
    TicketAction,
    TicketStatus,
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
from .work_sessions import PauseBudget, pause_budget_today
from .workload import active_technicians, open_ticket_counts, worked_seconds_by_technician
from .worktime import (
    clipped_seconds,
    epoch_seconds,
    local_offset_seconds,
    local_window_start,
    pause_segments,
    shifted_date,
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


def _passes() -> tuple[Any, Any]:
    """qc_pass transitions, and whether each one was a first pass (no earlier QC fail)."""
    fail = aliased(TicketTransition)
    first_pass = ~exists().where(
        and_(fail.ticket_id == TicketTransition.ticket_id, fail.action == TicketAction.QC_FAIL)
    )
    return TicketTransition.action == TicketAction.QC_PASS, first_pass


@reads
def fleet_analytics(tx: Tx, actor_id: int, *, days: int = 14) -> FleetAnalytics:
    """Bikes by status, availability, tickets by status, backlog and the QC first-pass trend."""
    require(tx.actor(actor_id).role_slugs, Permission.VIEW_ANALYTICS)
    _check_days(days)
    bikes = dict(
        tx.session.execute(
            select(Bike.status, func.count()).where(Bike.is_active.is_(True)).group_by(Bike.status)
        ).all()
    )
    bikes_by_status = {s.value: int(bikes.get(s.value, 0)) for s in BikeStatus}
    bikes_total = sum(bikes_by_status.values())
    tickets = dict(
        tx.session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all()
    )
    tickets_by_status = {s.value: int(tickets.get(s.value, 0)) for s in TicketStatus}

    is_pass, first_pass = _passes()
    totals = tx.session.execute(
        select(func.count(), func.coalesce(func.sum(_one_if(first_pass)), 0)).where(is_pass)
    ).one()
    since = _start_of_window(tx, days)
    zone = tx.rules().time_zone
    day = shifted_date(TicketTransition.created_at, local_offset_seconds(tx.now, zone))
    trend_rows = tx.session.execute(
        select(day, func.count(), func.sum(_one_if(first_pass)))
        .where(is_pass, TicketTransition.created_at >= since)
        .group_by(day)
    ).all()
    by_day = {_as_date(d): (int(n), int(fp or 0)) for d, n, fp in trend_rows}
    trend = tuple(
        QcDay(d, *by_day.get(d, (0, 0)))
        for d in (since.astimezone(shop_zone(zone)).date() + timedelta(days=i) for i in range(days))
    )
    passed, first = int(totals[0]), int(totals[1])
    all_bikes = int(tx.session.scalar(select(func.count()).select_from(Bike)) or 0)
    return FleetAnalytics(
        bikes_total=bikes_total,
        bikes_by_status=bikes_by_status,
        availability_percent=round(100.0 * bikes_by_status["ready"] / bikes_total, 1)
        if bikes_total
        else 0.0,
        tickets_by_status=tickets_by_status,
        backlog=sum(tickets_by_status[s.value] for s in ACTIVE_TICKET_STATUSES),
        waiting_for_technician=tickets_by_status["new"],
        qc_passed_total=passed,
        qc_first_pass_total=first,
        qc_first_pass_percent=round(100.0 * first / passed, 1) if passed else None,
        qc_trend=trend,
        generated_at=tx.now,
        bikes_all=all_bikes,
        backlog_figures=_backlog(tx),
        qc_window=_qc_window(tx),
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
    rows = tx.session.execute(
        select(
            bucket,
            Ticket.status,
            func.count(),
            func.sum(Ticket.flag_minutes),
            func.sum(epoch_seconds(Ticket.created_at)),
        )
        .where(Ticket.status != TicketStatus.DONE)
        .group_by(bucket, Ticket.status)
    ).all()
    flags = {name: 0 for name, _ in FLAG_BUCKETS}
    statuses = {s.value: 0 for s in TicketStatus if s in ACTIVE_TICKET_STATUSES}
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


def _qc_window(tx: Tx) -> QcWindow:
    """QC passes (first or after rework) and fails per day over the last week."""
    since = _start_of_window(tx, QC_WINDOW_DAYS)
    zone = tx.rules().time_zone
    first_day = since.astimezone(shop_zone(zone)).date()
    is_pass, first_pass = _passes()
    is_fail = TicketTransition.action == TicketAction.QC_FAIL
    day = shifted_date(TicketTransition.created_at, local_offset_seconds(tx.now, zone))
    rows = tx.session.execute(
        select(
            day,
            func.sum(_one_if(is_pass)),
            func.sum(_one_if(and_(is_pass, first_pass))),
            func.sum(_one_if(is_fail)),
        )
        .where(TicketTransition.action.in_([TicketAction.QC_PASS, TicketAction.QC_FAIL]))
        .where(TicketTransition.created_at >= since)
        .group_by(day)
    ).all()
    by_day = {_as_date(d): (int(p or 0), int(fp or 0), int(f or 0)) for d, p, fp, f in rows}
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
    require(tx.actor(actor_id).role_slugs, Permission.VIEW_ANALYTICS)
    _check_days(days)
    since = _start_of_window(tx, days)
    techs = active_technicians(tx)

    is_pass, first_pass = _passes()
    done_rows = tx.session.execute(
        select(
            Ticket.technician_id,
            func.count(),
            func.sum(_one_if(first_pass)),
            func.sum(Ticket.srt_total_minutes),
        )
        .select_from(TicketTransition)
        .join(Ticket, Ticket.id == TicketTransition.ticket_id)
        .where(is_pass, TicketTransition.created_at >= since)
        .group_by(Ticket.technician_id)
    ).all()
    done = {tid: (int(n), int(fp or 0), int(srt or 0)) for tid, n, fp, srt in done_rows}

    passed_in_window = select(TicketTransition.ticket_id).where(
        is_pass, TicketTransition.created_at >= since
    )
    worked_done = dict(
        tx.session.execute(
            select(Ticket.technician_id, func.sum(WorkSession.active_seconds))
            .join(WorkSession, WorkSession.ticket_id == Ticket.id)
            .where(Ticket.id.in_(passed_in_window))
            .group_by(Ticket.technician_id)
        ).all()
    )
    xp = dict(
        tx.session.execute(
            select(XpEntry.user_id, func.sum(XpEntry.amount))
            .where(XpEntry.created_at >= since)
            .group_by(XpEntry.user_id)
        ).all()
    )
    in_progress, assigned = open_ticket_counts(tx)
    worked = worked_seconds_by_technician(tx, since)
    timers = _TimerFigures.read(tx, since, days, [tid for tid, _, _ in techs])

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
    """Assigned tickets whose last transition parked them."""
    last = (
        select(func.max(TicketTransition.id))
        .join(Ticket, Ticket.id == TicketTransition.ticket_id)
        .where(Ticket.status == TicketStatus.ASSIGNED)
        .group_by(TicketTransition.ticket_id)
    )
    n = tx.session.scalar(
        select(func.count()).where(
            TicketTransition.id.in_(last), TicketTransition.action == TicketAction.PARKED
        )
    )
    return int(n or 0)


@dataclass(frozen=True)
class _TimerFigures:
    by_day: tuple[EfficiencyDay, ...]
    by_ticket: tuple[TicketEfficiency, ...]
    pauses_by_reason: dict[str, int]
    pauses_by_technician: dict[int, dict[str, int]]
    budgets: dict[int, PauseBudget]

    @classmethod
    def read(cls, tx: Tx, since: datetime, days: int, technicians: list[int]) -> _TimerFigures:
        zone = tx.rules().time_zone
        is_pass, _ = _passes()
        worked = (
            select(WorkSession.ticket_id, func.sum(WorkSession.active_seconds).label("worked"))
            .group_by(WorkSession.ticket_id)
            .subquery("worked")
        )
        day = shifted_date(TicketTransition.created_at, local_offset_seconds(tx.now, zone))
        rows = tx.session.execute(
            select(
                Ticket.id,
                Bike.bike_code,
                Ticket.technician_id,
                Ticket.srt_total_minutes,
                func.coalesce(worked.c.worked, 0),
                day,
            )
            .select_from(TicketTransition)
            .join(Ticket, Ticket.id == TicketTransition.ticket_id)
            .join(Bike, Bike.id == Ticket.bike_id)
            .outerjoin(worked, worked.c.ticket_id == Ticket.id)
            .where(is_pass, TicketTransition.created_at >= since)
            .order_by(TicketTransition.created_at, Ticket.id)
        ).all()
        by_ticket = tuple(
            TicketEfficiency(tid, code, tech, srt, int(w)) for tid, code, tech, srt, w, _ in rows
        )
        days_seen: dict[date, tuple[int, int, int]] = {}
        for _, _, _, srt, w, d in rows:
            n, s, ws = days_seen.get(_as_date(d), (0, 0, 0))
            days_seen[_as_date(d)] = (n + 1, s + srt, ws + int(w))
        first = since.astimezone(shop_zone(zone)).date()
        by_day = tuple(
            EfficiencyDay(d, *days_seen.get(d, (0, 0, 0)))
            for d in (first + timedelta(days=i) for i in range(days))
        )

        seg = pause_segments(tx.now, since).subquery("pauses")
        reason = func.coalesce(seg.c.reason, UNSPECIFIED_PAUSE_REASON)
        pause_rows = tx.session.execute(
            select(
                seg.c.technician_id,
                reason,
                func.sum(clipped_seconds(seg.c.seg_start, seg.c.seg_end, since)),
            ).group_by(seg.c.technician_id, reason)
        ).all()
        per_tech: dict[int, dict[str, int]] = {}
        team: dict[str, int] = {}
        for tid, why, seconds in pause_rows:
            if not seconds:
                continue
            per_tech.setdefault(tid, {})[str(why)] = int(seconds)
            team[str(why)] = team.get(str(why), 0) + int(seconds)
        budgets = {tid: pause_budget_today(tx, tid) for tid in technicians}
        return cls(by_day, by_ticket, team, per_tech, budgets)

    def per_technician(self, tid: int, srt_minutes: int, worked_seconds: int) -> dict[str, Any]:
        budget = self.budgets.get(tid)
        return {
            "efficiency_percent": efficiency(srt_minutes, worked_seconds),
            "pause_seconds_by_reason": self.pauses_by_technician.get(tid, {}),
            "pause_budget_used_seconds": budget.used_seconds if budget else 0,
            "pause_budget_ran_out": budget.ran_out_today if budget else False,
        }
