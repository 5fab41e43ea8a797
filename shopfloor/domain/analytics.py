"""Read-only analytics for managers, computed by SQL aggregation.

Every figure comes from a grouped query; Python only merges the few grouped
rows (one per status, day or technician), never whole tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, select
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
    EfficiencyDay,
    FleetAnalytics,
    QcDay,
    TeamAnalytics,
    TechnicianStats,
    TicketEfficiency,
    efficiency,
)
from .work_sessions import PauseBudget, pause_budget_today
from .workload import active_technicians, open_ticket_counts, worked_seconds_by_technician
from .worktime import (
    clipped_seconds,
    local_offset_seconds,
    local_window_start,
    pause_segments,
    shifted_date,
    shop_zone,
)

MAX_DAYS = 90


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
        tickets_parked=_parked_count(tx),
    )


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
