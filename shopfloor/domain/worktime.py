"""Worked time, derived from the work-session event history.

A session runs from each ``started``/``resumed`` event to the next event (or to
now, while it still runs). Timestamps are whole seconds (see ``Shop``), so
every sum here is exact and the cached ``active_seconds`` must equal it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Integer, Select, case, cast, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from .models import WorkSession, WorkSessionEvent
from .values import WorkSessionStatus


class _Event(Protocol):
    @property
    def to_status(self) -> str: ...
    @property
    def event_at(self) -> datetime: ...


def shop_zone(name: str) -> ZoneInfo:
    """The shop's time zone; an unknown name (a bad setting) falls back to UTC."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day_start(now: datetime, zone: str) -> datetime:
    """The start (UTC) of the shop's local day that ``now`` falls in."""
    tz = shop_zone(zone)
    local = now.astimezone(tz)
    midnight = datetime.combine(local.date(), time(0), tzinfo=tz)
    return midnight.astimezone(UTC)


def next_shift_end(after: datetime, shift_end: time | None, zone: str) -> datetime | None:
    """The first moment (UTC) after ``after`` that the shift ends, in the shop's zone."""
    if shift_end is None:
        return None
    tz = shop_zone(zone)
    local = after.astimezone(tz)
    end = datetime.combine(local.date(), shift_end, tzinfo=tz)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), shift_end, tzinfo=tz)
    return end.astimezone(UTC)


def derive_worked_seconds(events: Iterable[_Event], now: datetime) -> int:
    """Seconds spent running, from events in time order; an open interval runs to ``now``."""
    total = 0
    running_since: datetime | None = None
    for event in events:
        if running_since is not None:
            total += int((event.event_at - running_since).total_seconds())
            running_since = None
        if event.to_status == WorkSessionStatus.RUNNING:
            running_since = event.event_at
    if running_since is not None:
        total += max(0, int((now - running_since).total_seconds()))
    return total


class epoch_seconds(FunctionElement[int]):  # noqa: N801 - reads as a SQL function
    """Whole seconds since 1970 of a UTC timestamp column, on SQLite and PostgreSQL."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS BIGINT)"


class shifted_date(FunctionElement[Any]):  # noqa: N801 - reads as a SQL function
    """The calendar date of a UTC timestamp column moved by a fixed number of seconds
    (the shop zone's offset), on SQLite and PostgreSQL alike."""

    inherit_cache = True


@compiles(shifted_date, "sqlite")
def _shifted_sqlite(element: shifted_date, compiler: Any, **kw: Any) -> str:
    column, seconds = element.clauses
    return (
        f"date({compiler.process(column, **kw)}, "
        f"printf('%+d seconds', {compiler.process(seconds, **kw)}))"
    )


@compiles(shifted_date, "postgresql")
def _shifted_postgresql(element: shifted_date, compiler: Any, **kw: Any) -> str:
    column, seconds = element.clauses
    return (
        f"CAST(({compiler.process(column, **kw)} + make_interval(secs => "
        f"{compiler.process(seconds, **kw)})) AS DATE)"
    )


def local_offset_seconds(now: datetime, zone: str) -> int:
    """The shop zone's offset from UTC at ``now``, in seconds (for grouping by local day;
    a day that crosses a DST change is off by that hour near midnight)."""
    offset = now.astimezone(shop_zone(zone)).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def local_window_start(now: datetime, zone: str, days: int) -> datetime:
    """Local midnight (as UTC) ``days - 1`` days before today, in the shop's zone."""
    tz = shop_zone(zone)
    today = now.astimezone(tz).date()
    return datetime.combine(today - timedelta(days=days - 1), time(0), tzinfo=tz).astimezone(UTC)


def running_segments(now: datetime, since: datetime | None = None) -> Select[Any]:
    """One row per running interval: session, ticket, technician, start and end epochs.

    With ``since``, only sessions still open or ended after it are read, so a
    window of days costs what is in the window, not the whole history.
    """
    return _segments(now, since, WorkSessionStatus.RUNNING)


def pause_segments(now: datetime, since: datetime | None = None) -> Select[Any]:
    """One row per paused interval, like :func:`running_segments`, plus its ``reason``."""
    return _segments(now, since, WorkSessionStatus.PAUSED)


def _segments(now: datetime, since: datetime | None, status: WorkSessionStatus) -> Select[Any]:
    next_event_at = (
        func.lead(WorkSessionEvent.event_at)
        .over(
            partition_by=WorkSessionEvent.work_session_id,
            order_by=(WorkSessionEvent.event_at, WorkSessionEvent.id),
        )
        .label("next_event_at")
    )
    events = select(
        WorkSessionEvent.work_session_id,
        WorkSessionEvent.ticket_id,
        WorkSessionEvent.to_status,
        WorkSessionEvent.event_at,
        WorkSessionEvent.meta["reason"].as_string().label("reason"),
        next_event_at,
    )
    if since is not None:
        overlapping = select(WorkSession.id).where(
            or_(WorkSession.ended_at.is_(None), WorkSession.ended_at >= since)
        )
        events = events.where(WorkSessionEvent.work_session_id.in_(overlapping))
    ordered = events.subquery("ordered_events")
    seg_end = func.coalesce(epoch_seconds(ordered.c.next_event_at), literal(_epoch(now)))
    columns = [
        ordered.c.work_session_id,
        ordered.c.ticket_id,
        WorkSession.technician_id,
        epoch_seconds(ordered.c.event_at).label("seg_start"),
        seg_end.label("seg_end"),
    ]
    if status is WorkSessionStatus.PAUSED:
        columns.append(ordered.c.reason)
    return (
        select(*columns)
        .join(WorkSession, WorkSession.id == ordered.c.work_session_id)
        .where(ordered.c.to_status == status.value)
    )


def clipped_seconds(seg_start: Any, seg_end: Any, since: datetime) -> ColumnElement[int]:
    """Seconds of a segment that fall after ``since`` (0 when it ended before)."""
    since_epoch = literal(_epoch(since))
    start = case((seg_start < since_epoch, since_epoch), else_=seg_start)
    return case((seg_end > start, cast(seg_end - start, Integer)), else_=literal(0))


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())
