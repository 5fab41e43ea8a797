"""Exports for payroll and reviews: tables of typed values over shop-local days.

Per technician per day (``worktime``, ``xp``, ``qc``, ``pauses``) the figures are the
dashboard's own: the kept daily rollups (``technician_days``, ``pause_days``), the
timers still open now cut at the shop's midnights, and for XP the ledger's entries of
those days split by kind. So a range's totals equal what team analytics show for the
same days, and what ``audit verify`` recomputes from the history. ``tickets`` is one row
per ticket that passed QC in the range, for reviews.

A table carries its columns (name, label, type), its rows and a totals row; the CSV and
XLSX files are written from it outside the domain (``shopfloor.export_files``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select

from .downtime import local_midnight, pause_seconds, people, reason_columns
from .errors import NotFound, ValidationFailed
from .models import (
    Bike,
    TechnicianDay,
    Ticket,
    WorkSession,
    XpEntry,
    session_is_open,
)
from .rollups import split_by_day
from .rules import Permission
from .shop import Tx, reads
from .values import WorkSessionStatus, XpEntryType
from .views import efficiency
from .worktime import shop_zone

EXPORT_KINDS = ("worktime", "xp", "qc", "pauses", "tickets")
MAX_EXPORT_DAYS = 366
# XP the parts issue pays QC inspectors (the inspector_xp_pass/_fail rules).
INSPECTOR_XP_TYPES: frozenset[str] = frozenset({XpEntryType.TICKET_QC_INSPECTOR.value})

CellType = Literal["date", "datetime", "text", "int", "float", "percent", "bool"]


@dataclass(frozen=True)
class ExportColumn:
    key: str  # the CSV header
    label: str  # the XLSX header
    type: CellType
    summed: bool = False  # the totals row adds it up


@dataclass(frozen=True)
class ExportTable:
    """One export: typed rows (dates as dates, numbers as numbers, ``None`` for none) and a
    totals row (sums, rates recomputed from the sums, ``None`` where nothing adds up)."""

    kind: str
    since: date
    until: date
    time_zone: str
    columns: tuple[ExportColumn, ...]
    rows: tuple[tuple[Any, ...], ...]
    totals: tuple[Any, ...]

    def total(self, key: str) -> Any:
        return self.totals[[c.key for c in self.columns].index(key)]


def _col(key: str, label: str, type_: CellType, summed: bool | None = None) -> ExportColumn:
    return ExportColumn(key, label, type_, type_ in ("int", "float") if summed is None else summed)


_WHO = (
    _col("date", "Date", "date"),
    _col("technician", "Technician", "text"),
    _col("username", "Username", "text"),
)


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class _Day:
    """One technician's figures on one day."""

    worked: int = 0
    done: int = 0
    first_pass: int = 0
    srt: int = 0
    worked_done: int = 0
    xp_base: int = 0
    xp_bonus: int = 0
    xp_inspector: int = 0
    xp_other: int = 0
    pauses: dict[str, int] | None = None

    @property
    def xp(self) -> int:
        return self.xp_base + self.xp_bonus + self.xp_inspector + self.xp_other


def _window(tx: Tx, since: date, until: date) -> tuple[datetime, datetime]:
    zone = tx.rules().time_zone
    return local_midnight(since, zone), local_midnight(until + timedelta(days=1), zone)


def _days(tx: Tx, since: date, until: date) -> dict[tuple[date, int], _Day]:
    """Every technician's figures on every day of the range that has any."""
    days: dict[tuple[date, int], _Day] = {}

    def at(day: Any, tid: int) -> _Day:
        key = (day if isinstance(day, date) else date.fromisoformat(str(day)), int(tid))
        return days.setdefault(key, _Day())

    rows = tx.execute(
        select(
            TechnicianDay.day,
            TechnicianDay.technician_id,
            TechnicianDay.worked_seconds,
            TechnicianDay.done,
            TechnicianDay.first_pass,
            TechnicianDay.srt_minutes_done,
            TechnicianDay.worked_seconds_done,
        ).where(
            TechnicianDay.day >= since,
            TechnicianDay.day <= until,
            TechnicianDay.technician_id != 0,  # the shop-wide QC fails, nobody's day
        )
    )
    for day, tid, worked, done, first_pass, srt, worked_done in rows:
        if worked or done:
            d = at(day, tid)
            d.worked, d.done, d.first_pass = int(worked or 0), int(done or 0), int(first_pass or 0)
            d.srt, d.worked_done = int(srt or 0), int(worked_done or 0)
    zone = tx.rules().time_zone
    start, end = _window(tx, since, until)
    running = tx.execute(
        select(WorkSession.technician_id, WorkSession.last_started_at).where(
            session_is_open(), WorkSession.status == WorkSessionStatus.RUNNING.value
        )
    )
    for tid, started in running:
        if started is not None:
            for day, seconds in split_by_day(max(started, start), min(tx.now, end), zone):
                at(day, tid).worked += seconds
    ledger = tx.execute(
        select(XpEntry.user_id, XpEntry.entry_type, XpEntry.amount, XpEntry.created_at).where(
            XpEntry.created_at >= start, XpEntry.created_at < end
        )
    )
    local = shop_zone(zone)
    for uid, kind, amount, paid_at in ledger:
        d = at(paid_at.astimezone(local).date(), uid)
        if kind == XpEntryType.TICKET_BASE_XP:
            d.xp_base += amount
        elif kind == XpEntryType.TICKET_QC_FIRST_PASS_BONUS:
            d.xp_bonus += amount
        elif kind in INSPECTOR_XP_TYPES:
            d.xp_inspector += amount
        else:
            d.xp_other += amount
    for (day, tid, why), seconds in pause_seconds(tx, since, until).items():
        d = at(day, tid)
        d.pauses = d.pauses or {}
        d.pauses[why] = d.pauses.get(why, 0) + seconds
    return days


# Per kind: the columns after date/technician/username, the figures of a row, whether a
# day belongs in it, and the rates of the totals row recomputed from the sums.
_Figures = Callable[[_Day], list[Any]]


def _worktime() -> tuple[tuple[ExportColumn, ...], _Figures, Callable[[_Day], bool]]:
    columns = (
        _col("worked_seconds", "Worked (s)", "int"),
        _col("worked_hours", "Worked (h)", "float"),
        _col("tickets_done", "Tickets passed QC", "int"),
        _col("srt_minutes_done", "SRT of those (min)", "int"),
        _col("worked_seconds_done", "Worked on those (s)", "int"),
        _col("efficiency_percent", "Efficiency (%)", "percent"),
    )

    def figures(d: _Day) -> list[Any]:
        return [
            d.worked,
            round(d.worked / 3600, 2),
            d.done,
            d.srt,
            d.worked_done,
            efficiency(d.srt, d.worked_done),
        ]

    return columns, figures, lambda d: bool(d.worked or d.done)


def _xp() -> tuple[tuple[ExportColumn, ...], _Figures, Callable[[_Day], bool]]:
    columns = (
        _col("xp_base", "Base XP", "int"),
        _col("xp_bonus", "First-pass bonus XP", "int"),
        _col("xp_inspector", "Inspector XP", "int"),
        _col("xp_total", "Total XP", "int"),
    )
    return (
        columns,
        lambda d: [d.xp_base, d.xp_bonus, d.xp_inspector, d.xp],
        lambda d: bool(d.xp),
    )


def _qc() -> tuple[tuple[ExportColumn, ...], _Figures, Callable[[_Day], bool]]:
    columns = (
        _col("tickets_done", "Tickets passed QC", "int"),
        _col("first_pass", "First time", "int"),
        _col("after_rework", "After rework", "int"),
        _col("first_pass_percent", "First pass (%)", "percent"),
    )
    return (
        columns,
        lambda d: [d.done, d.first_pass, d.done - d.first_pass, _percent(d.first_pass, d.done)],
        lambda d: bool(d.done),
    )


def _technician_table(tx: Tx, kind: str, since: date, until: date) -> ExportTable:
    days = _days(tx, since, until)
    figures: _Figures
    keep: Callable[[_Day], bool]
    if kind == "pauses":
        seen = {why for d in days.values() for why in (d.pauses or {})}
        reasons = reason_columns(tx, seen)
        extra = (
            *(_col(f"{code}_seconds", f"{label} (s)", "int") for code, label, _ in reasons),
            _col("pause_seconds", "All pauses (s)", "int"),
        )

        def pause_figures(d: _Day) -> list[Any]:
            mine = d.pauses or {}
            return [mine.get(code, 0) for code, _, _ in reasons] + [sum(mine.values())]

        figures, keep = pause_figures, lambda d: bool(d.pauses)

    else:
        extra, figures, keep = {"worktime": _worktime, "xp": _xp, "qc": _qc}[kind]()
    names = people(tx, {tid for _, tid in days})
    rows = sorted(
        (
            (day, *names.get(tid, (f"user {tid}", f"user {tid}"))[::-1], *figures(d))
            for (day, tid), d in days.items()
            if keep(d)
        ),
        key=lambda row: (row[0], str(row[1]).lower(), str(row[2])),
    )
    columns = (*_WHO, *extra)
    totals = _totals(columns, rows)
    if kind == "worktime":
        totals[_index(columns, "worked_hours")] = round(
            _sum(rows, columns, "worked_seconds") / 3600, 2
        )
        totals[_index(columns, "efficiency_percent")] = efficiency(
            _sum(rows, columns, "srt_minutes_done"), _sum(rows, columns, "worked_seconds_done")
        )
    if kind == "qc":
        totals[_index(columns, "first_pass_percent")] = _percent(
            _sum(rows, columns, "first_pass"), _sum(rows, columns, "tickets_done")
        )
    return _table(tx, kind, since, until, columns, rows, totals)


def _index(columns: Sequence[ExportColumn], key: str) -> int:
    return [c.key for c in columns].index(key)


def _sum(rows: Sequence[Sequence[Any]], columns: Sequence[ExportColumn], key: str) -> int:
    i = _index(columns, key)
    return sum(int(row[i] or 0) for row in rows)


def _totals(columns: Sequence[ExportColumn], rows: Sequence[Sequence[Any]]) -> list[Any]:
    totals: list[Any] = [
        sum(row[i] or 0 for row in rows) if c.summed else None for i, c in enumerate(columns)
    ]
    for i, c in enumerate(columns):
        if c.type == "float" and totals[i] is not None:
            totals[i] = round(totals[i], 2)
    totals[0] = f"Total ({len(rows)} rows)" if columns[0].type != "int" else None
    return totals


_TICKET_COLUMNS = (
    _col("ticket", "Ticket", "int", summed=False),
    _col("bike_code", "Bike", "text"),
    _col("title", "Title", "text"),
    _col("technician", "Technician", "text"),
    _col("taken_in_by", "Taken in by", "text"),
    _col("created_at", "Taken in", "datetime"),
    _col("passed_at", "Passed QC", "datetime"),
    _col("srt_minutes", "SRT (min)", "int"),
    _col("worked_seconds", "Worked (s)", "int"),
    _col("efficiency_percent", "Efficiency (%)", "percent"),
    _col("qc_fails", "QC fails", "int"),
    _col("first_pass", "First pass", "bool"),
    _col("xp_base", "Base XP", "int"),
    _col("xp_bonus", "First-pass bonus XP", "int"),
    _col("latest_qc_note", "Last QC note", "text"),
)


def _ticket_table(tx: Tx, since: date, until: date) -> ExportTable:
    """One row per ticket that passed QC in the range, in the order they passed."""
    start, end = _window(tx, since, until)
    local = shop_zone(tx.rules().time_zone)
    tickets = tx.execute(
        select(
            Ticket.id,
            select(Bike.bike_code)
            .where(Bike.id == Ticket.bike_id)
            .scalar_subquery()
            .label("bike_code"),
            Ticket.title,
            Ticket.technician_id,
            Ticket.master_id,
            Ticket.created_at,
            Ticket.done_at,
            Ticket.srt_total_minutes,
            Ticket.worked_seconds,
            Ticket.qc_fail_count,
            Ticket.latest_qc_note,
        )
        .where(Ticket.done_at >= start, Ticket.done_at < end)
        .order_by(Ticket.done_at, Ticket.id)
    ).all()
    paid: dict[tuple[int, str], int] = {}
    kinds = (XpEntryType.TICKET_BASE_XP.value, XpEntryType.TICKET_QC_FIRST_PASS_BONUS.value)
    ledger = tx.execute(
        select(XpEntry.reference, XpEntry.amount).where(
            XpEntry.created_at >= start, XpEntry.created_at < end, XpEntry.entry_type.in_(kinds)
        )
    )
    for reference, amount in ledger:
        kind, _, number = str(reference).rpartition(":")
        if number.isdigit():
            paid[(int(number), kind)] = paid.get((int(number), kind), 0) + int(amount)
    staff = {t.technician_id for t in tickets if t.technician_id}
    names = people(tx, staff | {t.master_id for t in tickets})
    rows = tuple(
        (
            t.id,
            t.bike_code,
            t.title,
            names.get(t.technician_id, ("", ""))[1] if t.technician_id else "",
            names.get(t.master_id, ("", ""))[1],
            t.created_at.astimezone(local),
            t.done_at.astimezone(local),
            t.srt_total_minutes,
            t.worked_seconds or 0,
            efficiency(t.srt_total_minutes, t.worked_seconds or 0),
            t.qc_fail_count or 0,
            not t.qc_fail_count,
            paid.get((t.id, kinds[0]), 0),
            paid.get((t.id, kinds[1]), 0),
            t.latest_qc_note if t.qc_fail_count else "",
        )
        for t in tickets
    )
    columns = _TICKET_COLUMNS
    totals = _totals(columns, rows)
    totals[0] = None
    totals[1] = f"Total ({len(rows)} tickets)"
    totals[_index(columns, "efficiency_percent")] = efficiency(
        _sum(rows, columns, "srt_minutes"), _sum(rows, columns, "worked_seconds")
    )
    totals[_index(columns, "first_pass")] = sum(1 for row in rows if row[11])
    return _table(tx, "tickets", since, until, columns, rows, totals)


def _table(
    tx: Tx,
    kind: str,
    since: date,
    until: date,
    columns: tuple[ExportColumn, ...],
    rows: Sequence[tuple[Any, ...]],
    totals: list[Any],
) -> ExportTable:
    zone = tx.rules().time_zone
    return ExportTable(kind, since, until, zone, columns, tuple(rows), tuple(totals))


def check_range(since: date, until: date) -> None:
    """Refuse a range that ends before it starts, or longer than :data:`MAX_EXPORT_DAYS`."""
    if until < since:
        raise ValidationFailed(
            f"to ({until}) is before from ({since}); give the earlier day first.", field="to"
        )
    if (until - since).days + 1 > MAX_EXPORT_DAYS:
        raise ValidationFailed(
            f"from {since} to {until} is {(until - since).days + 1} days; export at most "
            f"{MAX_EXPORT_DAYS} days at a time.",
            field="from",
        )


def check_kind(kind: str) -> str:
    if kind not in EXPORT_KINDS:
        raise NotFound(
            f"There is no {kind[:40]!r} export; use one of: {', '.join(EXPORT_KINDS)}.",
            field="kind",
        )
    return kind


@reads
def export_table(tx: Tx, actor_id: int | None, kind: str, since: date, until: date) -> ExportTable:
    """The ``kind`` export (see :data:`EXPORT_KINDS`) over the shop-local days ``since`` to
    ``until``, both included. For managers; ``actor_id`` None is the local operator."""
    tx.authorise(actor_id, Permission.VIEW_ANALYTICS)
    check_kind(kind)
    check_range(since, until)
    if kind == "tickets":
        return _ticket_table(tx, since, until)
    return _technician_table(tx, kind, since, until)


__all__ = [
    "EXPORT_KINDS",
    "INSPECTOR_XP_TYPES",
    "ExportColumn",
    "ExportTable",
    "export_table",
]
