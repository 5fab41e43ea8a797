"""Caches of the history that keep reads flat: ticket facts, status counts, daily rollups.

The audit tables stay the truth; these are kept in the same transaction that
writes them, so a reader never meets one without the other:

- on ``tickets``: ``qc_fail_count``, ``latest_qc_note``, ``parked_reason`` (saved with
  each transition, as :func:`facts_after` says) and ``worked_seconds`` (closed running
  intervals) plus ``running_since`` (the open interval's start), saved with each
  timer event by the timer (:mod:`.work_sessions`);
- ``ticket_status_counts`` and ``bike_status_counts``: maintained by database
  triggers on ``tickets`` and ``bikes`` (see migration 0009), so no writer, not even
  a hand-written SQL one, can forget them;
- ``technician_days`` and ``pause_days``: per shop-local day and technician,
  collected during the transaction (:class:`DayTotals`, which each transaction holds as
  ``tx.days``) and written with one upsert per table with its other writes. Worked and
  paused time is split at the shop's local midnight.

:func:`rebuild` recomputes all of them from the audit tables in SQL (after a bulk
load, or when the shop's time zone changes); :func:`expected_days` is the same
computation read back, which ``audit verify`` compares with what is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import aliased

from . import batch
from .models import (
    Bike,
    BikeStatusCount,
    PauseDay,
    TechnicianDay,
    Ticket,
    TicketStatusCount,
    TicketTransition,
    WorkSession,
    WorkSessionEvent,
    WorkshopRules,
    XpEntry,
)
from .values import UNSPECIFIED_PAUSE_REASON, TicketAction, WorkSessionStatus
from .worktime import epoch_seconds, shop_zone

NO_TECHNICIAN = 0
# QC fails count for the whole shop (the fleet's QC week), never per technician: the
# ticket's technician may change after a fail, and the history would not say who it was.
SHOP_WIDE = 0
PARKED_DEFAULT_LABEL = "Parked"
DAY_COLUMNS = (
    "done",
    "first_pass",
    "srt_minutes_done",
    "worked_seconds_done",
    "qc_fails",
    "xp",
    "worked_seconds",
)
_LONGEST_DAY = 25 * 3600


# --- shop-local days ------------------------------------------------------------------------


def local_day(at: datetime, zone: str) -> date:
    """The shop-local calendar day ``at`` falls on."""
    return at.astimezone(shop_zone(zone)).date()


def _midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=shop_zone(zone)).astimezone(UTC)


def split_by_day(start: datetime, end: datetime, zone: str) -> Iterator[tuple[date, int]]:
    """Whole seconds of ``[start, end)`` on each shop-local day it touches (none if empty)."""
    day = local_day(start, zone)
    while start < end:
        boundary = min(end, _midnight(day + timedelta(days=1), zone))
        seconds = int((boundary - start).total_seconds())
        if seconds > 0:
            yield day, seconds
        start, day = boundary, day + timedelta(days=1)


# --- incremental maintenance (by the writers of the events) ------------------------------


def facts_after(
    action: TicketAction, qc_fail_count: int, note: str, metadata: dict[str, Any]
) -> dict[str, Any]:
    """The ticket's cached QC and parking facts once ``action`` is recorded, to save with it."""
    facts: dict[str, Any] = {
        "parked_reason": str(metadata.get("reason_label") or PARKED_DEFAULT_LABEL)
        if action is TicketAction.PARKED
        else None
    }
    if action is TicketAction.QC_FAIL:
        facts["qc_fail_count"] = qc_fail_count + 1
        facts["latest_qc_note"] = note
    return facts


@dataclass
class DayTotals:
    """What one transaction adds to the daily rollups, merged per key when its writes go
    out (:meth:`upserts`, called by the transaction as it sends them)."""

    points: list[tuple[datetime, int, str, int]] = field(default_factory=list)
    worked: list[tuple[datetime, datetime, int]] = field(default_factory=list)
    paused: list[tuple[datetime, datetime, int, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.points or self.worked or self.paused)

    def qc_fail(self, at: datetime) -> None:
        self.points.append((at, SHOP_WIDE, "qc_fails", 1))

    def qc_pass(
        self,
        at: datetime,
        technician_id: int | None,
        *,
        first_pass: bool,
        srt_minutes: int,
        worked_seconds: int,
    ) -> None:
        """A ticket done: counted on its technician's day with its SRT and worked time."""
        tech = technician_id or NO_TECHNICIAN
        self.points.append((at, tech, "done", 1))
        self.points.append((at, tech, "first_pass", 1 if first_pass else 0))
        self.points.append((at, tech, "srt_minutes_done", srt_minutes))
        self.points.append((at, tech, "worked_seconds_done", worked_seconds))

    def xp(self, at: datetime, user_id: int, amount: int) -> None:
        self.points.append((at, user_id, "xp", amount))

    def ran(self, start: datetime, end: datetime, technician_id: int) -> None:
        """A running interval closed: its seconds count on the days it spans."""
        self.worked.append((start, end, technician_id))

    def paused_for(self, start: datetime, end: datetime, technician_id: int, reason: str) -> None:
        """A pause ended: its seconds count on the days it spans, under its reason."""
        self.paused.append((start, end, technician_id, reason))

    def upserts(self, zone: str) -> list[batch.Write]:
        """What was noted so far as one upsert per table, in the shop's ``zone`` (read when
        the writes go out, so a change of zone in the transaction counts); then forgotten."""
        days: dict[tuple[date, int], dict[str, int]] = {}
        pauses: dict[tuple[date, int, str], int] = {}
        for at, tech, column, amount in self.points:
            row = days.setdefault((local_day(at, zone), tech), {})
            row[column] = row.get(column, 0) + amount
        for start, end, tech in self.worked:
            for day, seconds in split_by_day(start, end, zone):
                row = days.setdefault((day, tech), {})
                row["worked_seconds"] = row.get("worked_seconds", 0) + seconds
        for start, end, tech, why in self.paused:
            for day, seconds in split_by_day(start, end, zone):
                pauses[(day, tech, why)] = pauses.get((day, tech, why), 0) + seconds
        self.points, self.worked, self.paused = [], [], []
        out: list[batch.Write] = []
        if days:
            rows = [
                {"day": d, "technician_id": t, **{c: v.get(c, 0) for c in DAY_COLUMNS}}
                for (d, t), v in days.items()
            ]
            out.append(batch.add_rows(TechnicianDay, rows, conflict=("day", "technician_id")))
        if pauses:
            rows = [
                {"day": d, "technician_id": t, "reason": r, "seconds": s}
                for (d, t, r), s in pauses.items()
            ]
            out.append(batch.add_rows(PauseDay, rows, conflict=("day", "technician_id", "reason")))
        return out


# --- recomputing from the history ----------------------------------------------------------


def _segments(status: WorkSessionStatus) -> Any:
    """Closed intervals of one status: technician, start and end epochs (and pause reason)."""
    ev = WorkSessionEvent
    next_at = func.lead(ev.event_at).over(
        partition_by=ev.work_session_id, order_by=(ev.event_at, ev.id)
    )
    ordered = select(
        ev.work_session_id,
        ev.ticket_id,
        ev.to_status,
        epoch_seconds(ev.event_at).label("seg_start"),
        epoch_seconds(next_at).label("seg_end"),
        func.coalesce(ev.meta["reason"].as_string(), UNSPECIFIED_PAUSE_REASON).label("reason"),
    ).subquery("ordered")
    return (
        select(
            ordered.c.ticket_id,
            WorkSession.technician_id,
            ordered.c.seg_start,
            ordered.c.seg_end,
            ordered.c.reason,
        )
        .join(WorkSession, WorkSession.id == ordered.c.work_session_id)
        .where(ordered.c.to_status == status.value, ordered.c.seg_end.is_not(None))
        .subquery(f"{status.value}_segments")
    )


def _ticket_facts() -> dict[str, Any]:
    """Correlated expressions of each ticket's cached facts, from the history."""
    tt = aliased(TicketTransition, name="history")
    fails = (
        select(func.count())
        .where(tt.ticket_id == Ticket.id, tt.action == TicketAction.QC_FAIL.value)
        .correlate(Ticket)
        .scalar_subquery()
    )
    note = (
        select(tt.note)
        .where(tt.ticket_id == Ticket.id, tt.action == TicketAction.QC_FAIL.value)
        .order_by(tt.created_at.desc(), tt.id.desc())
        .limit(1)
        .correlate(Ticket)
        .scalar_subquery()
    )
    later = aliased(TicketTransition, name="later")
    last = (
        select(func.max(later.id))
        .where(later.ticket_id == Ticket.id)
        .correlate(Ticket)
        .scalar_subquery()
    )
    parked_label = (
        select(func.coalesce(tt.meta["reason_label"].as_string(), PARKED_DEFAULT_LABEL))
        .where(tt.id == last, tt.action == TicketAction.PARKED.value)
        .correlate(Ticket)
        .scalar_subquery()
    )
    ev = aliased(WorkSessionEvent, name="timer_history")
    newest = aliased(WorkSessionEvent, name="newest")
    newest_id = (
        select(newest.id)
        .where(newest.ticket_id == Ticket.id)
        .order_by(newest.event_at.desc(), newest.id.desc())
        .limit(1)
        .correlate(Ticket)
        .scalar_subquery()
    )
    # The ticket's newest timer event started (or resumed) the interval still running.
    running = (
        select(ev.event_at)
        .where(ev.id == newest_id, ev.to_status == WorkSessionStatus.RUNNING.value)
        .correlate(Ticket)
        .scalar_subquery()
    )
    # Closed running intervals: each ends at an event *from* running and starts at one
    # *to* running, so they sum to the ends minus the starts, plus the open one's start.
    at = epoch_seconds(ev.event_at)
    running_value = WorkSessionStatus.RUNNING.value
    ends_minus_starts = (
        select(
            func.coalesce(
                func.sum(case((ev.from_status == running_value, at), else_=0))
                - func.sum(case((ev.to_status == running_value, at), else_=0)),
                0,
            )
        )
        .where(ev.ticket_id == Ticket.id)
        .correlate(Ticket)
        .scalar_subquery()
    )
    worked = ends_minus_starts + func.coalesce(epoch_seconds(running), 0)
    return {
        "qc_fail_count": fails,
        "latest_qc_note": func.coalesce(note, ""),
        "parked_reason": case((Ticket.status == "assigned", parked_label), else_=None),
        "worked_seconds": cast(worked, Integer),
        "running_since": running,
    }


def _worked_by_its_technician() -> Any:
    """A done ticket's worked seconds under its own technician's sessions, from the
    events (a rework reassigned to them does not bring the first technician's time)."""
    ev = aliased(WorkSessionEvent, name="own_history")
    own = aliased(WorkSession, name="own_session")
    at = epoch_seconds(ev.event_at)
    running = WorkSessionStatus.RUNNING.value
    seconds = (
        select(
            func.coalesce(
                func.sum(case((ev.from_status == running, at), else_=0))
                - func.sum(case((ev.to_status == running, at), else_=0)),
                0,
            )
        )
        .select_from(ev)
        .join(own, own.id == ev.work_session_id)
        .where(ev.ticket_id == Ticket.id, own.technician_id == Ticket.technician_id)
        .correlate(Ticket)
        .scalar_subquery()
    )
    return cast(seconds, Integer)


def _open_pause_reason() -> Any:
    ev = WorkSessionEvent
    last_reason = (
        select(func.coalesce(ev.meta["reason"].as_string(), UNSPECIFIED_PAUSE_REASON))
        .where(ev.work_session_id == WorkSession.id)
        .order_by(ev.event_at.desc(), ev.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return case((WorkSession.status == WorkSessionStatus.PAUSED.value, last_reason), else_=None)


def ticket_fact_drifts(conn: Connection) -> list[tuple[int, str, Any, Any]]:
    """(ticket, fact, stored, expected) for every cached ticket fact the history contradicts."""
    facts = _ticket_facts()
    rows = (
        select(
            Ticket.id,
            *[getattr(Ticket, name) for name in facts],
            *[expr.label(f"expected_{name}") for name, expr in facts.items()],
        )
        .order_by(Ticket.id)
        .subquery("facts")
    )
    differs = or_(*[rows.c[name].is_distinct_from(rows.c[f"expected_{name}"]) for name in facts])
    found = []
    for row in conn.execute(select(rows).where(differs)).mappings():
        for name in facts:
            stored, expected = row[name], row[f"expected_{name}"]
            if name == "running_since":
                stored, expected = (
                    _aware(v) if v is not None else None for v in (stored, expected)
                )
            if stored != expected:
                found.append((int(row["id"]), name, stored, expected))
    return found


def status_count_drifts(conn: Connection) -> list[tuple[str, int, int]]:
    """(what, stored, expected) where the kept counters disagree with the tickets or bikes."""
    found = []
    for stored_q, expected_q, what in (
        (
            select(TicketStatusCount.status, TicketStatusCount.tickets),
            select(Ticket.status, func.count()).group_by(Ticket.status),
            "tickets {}",
        ),
        (
            select(BikeStatusCount.status, BikeStatusCount.is_active, BikeStatusCount.bikes),
            select(Bike.status, Bike.is_active, func.count()).group_by(Bike.status, Bike.is_active),
            "bikes {}",
        ),
    ):
        stored = {tuple(r[:-1]): int(r[-1] or 0) for r in conn.execute(stored_q)}
        expected = {tuple(r[:-1]): int(r[-1] or 0) for r in conn.execute(expected_q)}
        for key in sorted(set(stored) | set(expected), key=str):
            if stored.get(key, 0) != expected.get(key, 0):
                label = what.format(" ".join(_key_word(k) for k in key))
                found.append((label, stored.get(key, 0), expected.get(key, 0)))
    return found


def _key_word(value: Any) -> str:
    if isinstance(value, bool):
        return "active" if value else "archived"
    return str(value)


def _days_table() -> Table:
    return Table(
        "rollup_days",
        MetaData(),
        Column("day", Date, primary_key=True),
        Column("start_epoch", Integer, nullable=False),
        Column("end_epoch", Integer, nullable=False, index=True),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )


@contextmanager
def day_table(conn: Connection, zone: str | None = None, *, drop: bool = True) -> Iterator[Table]:
    """The local days (the shop's zone, or ``zone``) from the oldest event to the newest,
    in a temporary table (indexed: the rollups join moments to their day through it).

    ``drop=False`` leaves it to COMMIT (PostgreSQL only: ON COMMIT DROP), for a
    transaction made read-only once the table is filled, where DROP is refused.
    """
    days = _days_table()
    days.create(conn)
    try:
        _fill_days(conn, days, zone or _shop_zone(conn))
        yield days
    finally:
        if drop or conn.dialect.name != "postgresql":
            days.drop(conn)


def _fill_days(conn: Connection, days: Table, zone: str) -> None:
    """One row per shop-local day from the oldest event to the newest (or today)."""
    moments: list[datetime] = []
    for column in (TicketTransition.created_at, WorkSessionEvent.event_at, XpEntry.created_at):
        moments += [m for m in conn.execute(select(func.min(column), func.max(column))).one() if m]
    moments = [_aware(m) for m in moments]
    if not moments:
        return
    day, end = local_day(min(moments), zone), local_day(max(moments), zone)
    rows = []
    while day <= end:
        rows.append(
            {
                "day": day,
                "start_epoch": int(_midnight(day, zone).timestamp()),
                "end_epoch": int(_midnight(day + timedelta(days=1), zone).timestamp()),
            }
        )
        day += timedelta(days=1)
    conn.execute(insert(days), rows)


def _aware(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite through a bare aggregate: no column type applied
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _day_rows(days: Table) -> tuple[Any, Any]:
    """SELECTs of ``technician_days`` and ``pause_days`` rows recomputed from the history."""
    tt = TicketTransition
    at = epoch_seconds(tt.created_at)
    # From the history, not the cached columns, so the audit compares with the truth.
    facts = _ticket_facts()

    def day_of(moment: Any) -> Any:
        # The bound on end_epoch (a day lasts at most 25 hours) keeps it an index range.
        return and_(
            days.c.end_epoch > moment,
            days.c.end_epoch <= moment + _LONGEST_DAY,
            days.c.start_epoch <= moment,
        )

    def overlapping(start: Any, end: Any) -> Any:
        return and_(
            days.c.end_epoch > start,
            days.c.end_epoch <= end + _LONGEST_DAY,
            days.c.start_epoch < end,
        )

    def zeros(**given: Any) -> list[Any]:
        return [given.get(c, literal(0)).label(c) for c in DAY_COLUMNS]

    passes = (
        select(
            days.c.day,
            func.coalesce(Ticket.technician_id, NO_TECHNICIAN).label("technician_id"),
            *zeros(
                done=literal(1),
                first_pass=case((facts["qc_fail_count"] == 0, 1), else_=0),
                srt_minutes_done=Ticket.srt_total_minutes,
                worked_seconds_done=_worked_by_its_technician(),
            ),
        )
        .select_from(tt)
        .join(Ticket, Ticket.id == tt.ticket_id)
        .join(days, day_of(at))
        .where(tt.action == TicketAction.QC_PASS.value)
    )
    fails = (
        select(days.c.day, literal(SHOP_WIDE).label("technician_id"), *zeros(qc_fails=literal(1)))
        .select_from(tt)
        .join(days, day_of(at))
        .where(tt.action == TicketAction.QC_FAIL.value)
    )
    xp = (
        select(days.c.day, XpEntry.user_id.label("technician_id"), *zeros(xp=XpEntry.amount))
        .select_from(XpEntry)
        .join(days, day_of(epoch_seconds(XpEntry.created_at)))
    )
    run = _segments(WorkSessionStatus.RUNNING)
    worked = (
        select(
            days.c.day,
            run.c.technician_id,
            *zeros(worked_seconds=_overlap(days, run.c.seg_start, run.c.seg_end)),
        )
        .select_from(run)
        .join(days, overlapping(run.c.seg_start, run.c.seg_end))
    )
    every = union_all(passes, fails, xp, worked).subquery("every")
    technician_days = select(
        every.c.day,
        every.c.technician_id,
        *[cast(func.sum(every.c[c]), Integer).label(c) for c in DAY_COLUMNS],
    ).group_by(every.c.day, every.c.technician_id)

    pause = _segments(WorkSessionStatus.PAUSED)
    seconds = func.sum(_overlap(days, pause.c.seg_start, pause.c.seg_end))
    pause_days = (
        select(days.c.day, pause.c.technician_id, pause.c.reason, cast(seconds, Integer).label("s"))
        .select_from(pause)
        .join(days, overlapping(pause.c.seg_start, pause.c.seg_end))
        .group_by(days.c.day, pause.c.technician_id, pause.c.reason)
        .having(seconds > 0)
    )
    return technician_days, pause_days


def _overlap(days: Table, start: Any, end: Any) -> Any:
    lo = case((start > days.c.start_epoch, start), else_=days.c.start_epoch)
    hi = case((end < days.c.end_epoch, end), else_=days.c.end_epoch)
    return hi - lo


def _shop_zone(conn: Connection) -> str:
    zone = conn.scalar(select(WorkshopRules.time_zone).where(WorkshopRules.id == 1))
    return zone or "UTC"


def rebuild_days(conn: Connection, zone: str | None = None) -> None:
    """Recompute the daily rollups from the history (in the shop's time zone, or ``zone``)."""
    with day_table(conn, zone) as days:
        technician_days, pause_days = _day_rows(days)
        conn.execute(delete(TechnicianDay))
        conn.execute(delete(PauseDay))
        conn.execute(
            insert(TechnicianDay).from_select(
                ["day", "technician_id", *DAY_COLUMNS], technician_days
            )
        )
        conn.execute(
            insert(PauseDay).from_select(["day", "technician_id", "reason", "seconds"], pause_days)
        )


def rebuild(conn: Connection) -> None:
    """Recompute every cache kept here from the audit tables, in SQL (after a bulk load)."""
    conn.execute(update(Ticket).values(**_ticket_facts()))
    conn.execute(update(WorkSession).values(pause_reason=_open_pause_reason()))
    conn.execute(delete(TicketStatusCount))
    conn.execute(
        insert(TicketStatusCount).from_select(
            ["status", "tickets"], select(Ticket.status, func.count()).group_by(Ticket.status)
        )
    )
    conn.execute(delete(BikeStatusCount))
    conn.execute(
        insert(BikeStatusCount).from_select(
            ["status", "is_active", "bikes"],
            select(Bike.status, Bike.is_active, func.count()).group_by(Bike.status, Bike.is_active),
        )
    )
    rebuild_days(conn)


@dataclass(frozen=True)
class ExpectedDays:
    """The rollups as stored and as the history says, keyed alike (zeros left out)."""

    stored_days: dict[tuple[date, int], tuple[int, ...]]
    expected_days: dict[tuple[date, int], tuple[int, ...]]
    stored_pauses: dict[tuple[date, int, str], int]
    expected_pauses: dict[tuple[date, int, str], int]


def _nonzero(values: tuple[int, ...]) -> bool:
    return any(values)


def expected_days(conn: Connection, days: Table) -> ExpectedDays:
    """Read the rollups and recompute them from the history (over ``days``, a
    :func:`day_table`), for comparison."""
    technician_days, pause_days = _day_rows(days)
    expected = {
        (_as_date(r[0]), int(r[1])): tuple(int(v or 0) for v in r[2:])
        for r in conn.execute(technician_days)
    }
    pauses = {(_as_date(d), int(t), str(r)): int(s or 0) for d, t, r, s in conn.execute(pause_days)}
    stored = {
        (r[0], int(r[1])): tuple(int(v or 0) for v in r[2:])
        for r in conn.execute(
            select(
                TechnicianDay.day,
                TechnicianDay.technician_id,
                *[getattr(TechnicianDay, c) for c in DAY_COLUMNS],
            )
        )
    }
    stored_pauses = {
        (d, int(t), str(r)): int(s)
        for d, t, r, s in conn.execute(
            select(PauseDay.day, PauseDay.technician_id, PauseDay.reason, PauseDay.seconds)
        )
    }
    return ExpectedDays(
        {k: v for k, v in stored.items() if _nonzero(v)},
        {k: v for k, v in expected.items() if _nonzero(v)},
        {k: v for k, v in stored_pauses.items() if v},
        {k: v for k, v in pauses.items() if v},
    )


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


__all__ = [
    "DayTotals",
    "ExpectedDays",
    "day_table",
    "expected_days",
    "facts_after",
    "local_day",
    "rebuild",
    "rebuild_days",
    "split_by_day",
    "status_count_drifts",
    "ticket_fact_drifts",
]
