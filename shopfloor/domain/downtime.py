"""Downtime by reason: where the paused time went, per shop-local day and technician.

Read from the kept ``pause_days`` rollups (one row per day, technician and reason),
plus the pauses still open now, cut at the shop's local midnights: a window of days
costs its own rows, never the history before it. The figures are the ones the team
analytics sum (``pause_seconds_by_reason``), split by day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from .errors import ValidationFailed
from .models import PauseDay, User, WorkSession, session_is_open
from .rollups import split_by_day
from .rules import Permission
from .shop import Tx, reads
from .values import (
    AWAY_PAUSE_LABEL,
    AWAY_PAUSE_REASON,
    UNSPECIFIED_PAUSE_REASON,
    WorkSessionStatus,
)
from .views import display_name
from .worktime import shop_zone

MAX_DAYS = 90
UNSPECIFIED_LABEL = "Unspecified"


@dataclass(frozen=True)
class ReasonSeconds:
    """One pause reason and the seconds paused for it in the window (the whole team)."""

    code: str
    label: str
    counts: bool  # whether it uses up the daily pause budget (a break does not)
    seconds: int


@dataclass(frozen=True)
class DowntimeDay:
    day: date
    seconds: int
    by_reason: dict[str, int]


@dataclass(frozen=True)
class DowntimeTechnician:
    user_id: int
    username: str
    display_name: str
    seconds: int
    by_reason: dict[str, int]


@dataclass(frozen=True)
class DowntimeCell:
    """Seconds one technician paused for one reason on one day."""

    day: date
    technician: int
    reason: str
    seconds: int


@dataclass(frozen=True)
class Downtime:
    days: int
    start_date: date
    end_date: date
    generated_at: datetime
    reasons: tuple[ReasonSeconds, ...]  # the shop's reasons in its order, then any others
    by_day: tuple[DowntimeDay, ...]  # every day of the window, oldest first
    by_technician: tuple[DowntimeTechnician, ...]  # who paused at all, most paused first
    cells: tuple[DowntimeCell, ...]  # per day, technician and reason (none of 0 s)

    @property
    def total_seconds(self) -> int:
        return sum(r.seconds for r in self.reasons)


def local_midnight(day: date, zone: str) -> datetime:
    """The start (UTC) of the shop-local ``day``."""
    return datetime.combine(day, time(0), tzinfo=shop_zone(zone)).astimezone(UTC)


def pause_seconds(tx: Tx, first: date, last: date) -> dict[tuple[date, int, str], int]:
    """Paused seconds per (shop-local day, technician, reason) from ``first`` to ``last``
    (both included): the kept rollups, and the pauses open now cut at each midnight."""
    found: dict[tuple[date, int, str], int] = {}
    rows = tx.execute(
        select(PauseDay.day, PauseDay.technician_id, PauseDay.reason, PauseDay.seconds).where(
            PauseDay.day >= first, PauseDay.day <= last
        )
    )
    for day, tid, reason, seconds in rows:
        if seconds:
            key = (_as_date(day), int(tid), str(reason))
            found[key] = found.get(key, 0) + int(seconds)
    zone = tx.rules().time_zone
    start, end = local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone)
    open_pauses = tx.execute(
        select(WorkSession.technician_id, WorkSession.updated_at, WorkSession.pause_reason).where(
            session_is_open(), WorkSession.status == WorkSessionStatus.PAUSED.value
        )
    )
    for tid, paused_at, paused_for in open_pauses:
        why = str(paused_for or UNSPECIFIED_PAUSE_REASON)
        for day, seconds in split_by_day(max(paused_at, start), min(tx.now, end), zone):
            found[(day, tid, why)] = found.get((day, tid, why), 0) + seconds
    return found


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def people(tx: Tx, ids: set[int]) -> dict[int, tuple[str, str]]:
    """Username and display name of each of ``ids`` (deactivated people too)."""
    if not ids:
        return {}
    rows = tx.execute(
        select(User.id, User.username, User.first_name, User.last_name).where(User.id.in_(ids))
    )
    return {uid: (username, display_name(f, last, username)) for uid, username, f, last in rows}


def reason_columns(tx: Tx, seen: set[str]) -> list[tuple[str, str, bool]]:
    """(code, label, counts) of the shop's pause reasons in its order, then of any other
    reason ``seen`` in the figures (one removed since, or unspecified), by code."""
    listed = [(r.code, r.label, r.counts) for r in tx.rules().pause_reasons]
    known = {code for code, _, _ in listed}
    others = sorted(seen - known)
    reserved = {
        UNSPECIFIED_PAUSE_REASON: (UNSPECIFIED_LABEL, True),
        AWAY_PAUSE_REASON: (AWAY_PAUSE_LABEL, False),  # time logged out: never counted
    }
    return listed + [(code, *reserved.get(code, (code, True))) for code in others]


def check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(f"days must be a whole number from 1 to {MAX_DAYS}.", field="days")


@reads
def downtime_by_reason(tx: Tx, actor_id: int | None, *, days: int = 7) -> Downtime:
    """Paused seconds by reason over the last ``days`` shop-local days (today included):
    for the team, per day and per technician. For managers (as the dashboard)."""
    tx.authorise(actor_id, Permission.VIEW_ANALYTICS)
    check_days(days)
    today = tx.now.astimezone(shop_zone(tx.rules().time_zone)).date()
    first = today - timedelta(days=days - 1)
    figures = pause_seconds(tx, first, today)
    names = people(tx, {tid for _, tid, _ in figures})
    reasons = reason_columns(tx, {why for _, _, why in figures})
    team: dict[str, int] = {}
    per_day: dict[date, dict[str, int]] = {}
    per_tech: dict[int, dict[str, int]] = {}
    for (day, tid, why), seconds in figures.items():
        team[why] = team.get(why, 0) + seconds
        mine = per_day.setdefault(day, {})
        mine[why] = mine.get(why, 0) + seconds
        theirs = per_tech.setdefault(tid, {})
        theirs[why] = theirs.get(why, 0) + seconds
    by_technician = sorted(
        (
            DowntimeTechnician(
                tid,
                *names.get(tid, (f"user {tid}", f"user {tid}")),
                seconds=sum(split.values()),
                by_reason=split,
            )
            for tid, split in per_tech.items()
        ),
        key=lambda t: (-t.seconds, t.display_name.lower()),
    )
    return Downtime(
        days=days,
        start_date=first,
        end_date=today,
        generated_at=tx.now,
        reasons=tuple(ReasonSeconds(c, label, n, team.get(c, 0)) for c, label, n in reasons),
        by_day=tuple(
            DowntimeDay(d, sum(per_day.get(d, {}).values()), per_day.get(d, {}))
            for d in (first + timedelta(days=i) for i in range(days))
        ),
        by_technician=tuple(by_technician),
        cells=tuple(
            DowntimeCell(d, tid, why, s) for (d, tid, why), s in sorted(figures.items()) if s
        ),
    )
