"""The wall board: a leaderboard and what happens now, readable with a board token.

A board token (``shopfloor board token``) lets a TV, a browser or a script read these
two pages and nothing else: it is not a user, and every other use case refuses it.
Only its SHA-256 is stored; rotating it locks every board out until it gets the new
one. A logged-in user of any role may read the board too.

Reads that do not grow with history: the leaderboard sums the kept daily rollups
(``technician_days``) and groups the tickets that passed QC in the period (a range of
the ``done_at`` index); the Now page reads open work sessions and active tickets only.
It never shows money or lateness.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import case, func, select

from .board_settings import DEFAULT_LONG_PAUSE_MINUTES, BoardSettings
from .errors import AuthenticationFailed, ValidationFailed
from .flags import FLAG_COLORS, flag_color_sql
from .models import (
    Bike,
    BikeStatusCount,
    TechnicianDay,
    Ticket,
    User,
    WorkSession,
    XpEntry,
    session_is_open,
)
from .rules import Permission
from .shop import Tx, reads, writes
from .values import (
    AWAY_PAUSE_LABEL,
    AWAY_PAUSE_REASON,
    BikeStatus,
    TicketStatus,
    WorkSessionStatus,
)
from .views import display_name
from .workload import active_technicians
from .worktime import local_day_start, shop_zone

TOKEN_PREFIX = "sfb_"  # noqa: S105 - tells a board token from an API access token at a glance
QUEUE_ROWS = 12  # the most rows of each queue a board reads (it shows the total too)
MAX_DAILY_TARGET = 10_000
_KEEP: Any = object()


class Period(StrEnum):
    """The leaderboard's period, in the shop's time zone."""

    TODAY = "today"
    WEEK = "week"  # since Monday's midnight
    SHIFT = "shift"  # since the shift started (``board rules --shift-start``)

    @property
    def label(self) -> str:
        return {"today": "Today", "week": "This week", "shift": "This shift"}[self.value]


def qc_stars(first_pass_percent: float | None) -> int:
    """QC first pass as stars: 95 % or more 3, 90 % or more 2, 85 % or more 1, else 0."""
    if first_pass_percent is None:
        return 0
    return sum(first_pass_percent >= floor for floor in (85.0, 90.0, 95.0))


# --- the token ------------------------------------------------------------------------------


def hash_board_token(token: str) -> str:
    """What is stored of a token: it has 256 random bits, so a plain SHA-256 suffices."""
    return hashlib.sha256(token.strip().encode()).hexdigest()


def looks_like_board_token(token: str) -> bool:
    return token.strip().startswith(TOKEN_PREFIX)


def _token_refused() -> AuthenticationFailed:
    return AuthenticationFailed(
        "The board token is not valid (none was made yet, or it was rotated); run "
        "`shopfloor board token` and give the board the new one.",
        field="board_token",
        code="board_token_not_valid",
    )


def _settings(tx: Tx, *, for_update: bool = False) -> BoardSettings:
    row = tx.session.get(BoardSettings, 1, with_for_update=for_update)
    if row is None:  # the migration inserts it; only a hand-edited database lacks it
        row = BoardSettings(id=1, daily_target=0, long_pause_minutes=DEFAULT_LONG_PAUSE_MINUTES)
        if for_update:
            tx.session.add(row)
    return row


def _allow(tx: Tx, token: str | None, actor_id: int | None) -> BoardSettings:
    """The board's settings, once the token (or the user) may read the board."""
    settings = _settings(tx)
    if token is not None:
        stored = settings.token_hash
        if not stored or not hmac.compare_digest(stored, hash_board_token(token)):
            raise _token_refused()
    elif actor_id is not None:
        tx.authorise(actor_id)  # any active user, whatever their roles
    else:
        raise _token_refused()
    return settings


@writes
def rotate_board_token(tx: Tx, actor_id: int | None) -> str:
    """A new board token (shown once: only its hash is kept); the old one stops working."""
    tx.authorise(actor_id, Permission.EDIT_RULES)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = _settings(tx, for_update=True)
    row.token_hash = hash_board_token(token)
    row.token_set_at = tx.now
    return token


@reads
def check_board_token(tx: Tx, token: str) -> None:
    """Refuse (:class:`AuthenticationFailed`) a token that may not read the board."""
    _allow(tx, token, None)


# --- the board's rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRules:
    daily_target: int  # 0: none
    shift_start: time | None
    long_pause_minutes: int
    token_set_at: datetime | None  # None: no token made yet

    @property
    def periods(self) -> tuple[Period, ...]:
        """The periods a board can show (this shift only once the shift has a start)."""
        if self.shift_start is None:
            return (Period.TODAY, Period.WEEK)
        return (Period.TODAY, Period.SHIFT, Period.WEEK)


def _rules_of(row: BoardSettings) -> BoardRules:
    return BoardRules(
        daily_target=row.daily_target or 0,
        shift_start=time.fromisoformat(row.shift_start) if row.shift_start else None,
        long_pause_minutes=row.long_pause_minutes,
        token_set_at=row.token_set_at,
    )


@reads
def board_rules(tx: Tx) -> BoardRules:
    """The board's settings, as the CLI shows them (the token itself is never readable)."""
    return _rules_of(_settings(tx))


@writes
def set_board_rules(
    tx: Tx,
    actor_id: int | None,
    *,
    daily_target: int | None = None,
    shift_start: str | None = _KEEP,
    long_pause_minutes: int | None = None,
) -> BoardRules:
    """Change the board's settings; what is not given stays. ``shift_start``: local
    "HH:MM", or ``None``/"" for no shift."""
    tx.authorise(actor_id, Permission.EDIT_RULES)
    row = _settings(tx, for_update=True)
    if daily_target is not None:
        if not 0 <= daily_target <= MAX_DAILY_TARGET:
            raise ValidationFailed(
                f"The daily target is 0 (none) to {MAX_DAILY_TARGET} tickets.",
                field="daily_target",
            )
        row.daily_target = daily_target
    if shift_start is not _KEEP:
        row.shift_start = _shift_start(shift_start) if shift_start else None
    if long_pause_minutes is not None:
        if not 1 <= long_pause_minutes <= 24 * 60:
            raise ValidationFailed("A long pause is 1 to 1440 minutes.", field="long_pause_minutes")
        row.long_pause_minutes = long_pause_minutes
    tx.session.flush()
    return _rules_of(row)


def _shift_start(text: str) -> str:
    try:
        parsed = datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise ValidationFailed(
            f"The shift start {text!r} is not a time; give it as HH:MM, e.g. 06:00.",
            field="shift_start",
        ) from None
    return parsed.strftime("%H:%M")


# --- the leaderboard ------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaderRow:
    """One technician's figures over the period (never money, never lateness)."""

    rank: int
    user_id: int
    username: str
    name: str
    xp: int
    done: int
    first_pass: int
    qc_fail_events: int  # QC fails on the tickets they passed in the period
    flags: dict[str, int]  # done tickets by flag colour: green, yellow, red
    worked_seconds_done: int
    attendance_days: int  # days of the period with timer time

    @property
    def reworks(self) -> int:
        """Tickets passed after at least one QC fail."""
        return self.done - self.first_pass

    @property
    def first_pass_percent(self) -> float | None:
        return round(100.0 * self.first_pass / self.done, 1) if self.done else None

    @property
    def stars(self) -> int:
        return qc_stars(self.first_pass_percent)

    @property
    def average_resolution_minutes(self) -> float | None:
        return round(self.worked_seconds_done / 60 / self.done, 1) if self.done else None


@dataclass(frozen=True)
class Leaderboard:
    period: Period
    since: datetime  # UTC
    generated_at: datetime
    rows: tuple[LeaderRow, ...]
    done_today: int
    daily_target: int  # 0: none
    ready_bikes: int


def rank_key(row: LeaderRow) -> tuple[int, float, int, int]:
    """Higher XP first, then QC first-pass %, then tickets done, then fewer reworks."""
    percent = row.first_pass_percent
    return (-row.xp, -(percent if percent is not None else -1.0), -row.done, row.reworks)


def rank_rows(rows: list[LeaderRow]) -> tuple[LeaderRow, ...]:
    """``rows`` in order (:func:`rank_key`, then by name), ranked: a full tie shares a rank
    and the next rank skips (1, 2, 2, 4)."""
    ranked: list[LeaderRow] = []
    for i, row in enumerate(sorted(rows, key=lambda r: (rank_key(r), r.name.lower()))):
        tied = bool(ranked) and rank_key(ranked[-1]) == rank_key(row)
        ranked.append(replace(row, rank=ranked[-1].rank if tied else i + 1))
    return tuple(ranked)


def period_start(now: datetime, zone: str, period: Period, shift_start: time | None) -> datetime:
    """When ``period`` began (UTC), in the shop's zone ``zone``."""
    tz = shop_zone(zone)
    local = now.astimezone(tz)
    if period is Period.TODAY:
        return local_day_start(now, zone)
    if period is Period.WEEK:
        monday = local.date() - timedelta(days=local.weekday())
        return datetime.combine(monday, time(0), tzinfo=tz).astimezone(UTC)
    if shift_start is None:
        raise ValidationFailed(
            "This shop has no shift start; set one with `shopfloor board rules "
            "--shift-start HH:MM`, or ask for today or this week.",
            field="period",
        )
    start = datetime.combine(local.date(), shift_start, tzinfo=tz)
    if start > local:  # before today's start the shift is yesterday's (a night shift)
        start = datetime.combine(local.date() - timedelta(days=1), shift_start, tzinfo=tz)
    return start.astimezone(UTC)


def _period(value: Period | str) -> Period:
    try:
        return Period(value)
    except ValueError:
        raise ValidationFailed(
            f"period must be one of {', '.join(p.value for p in Period)}.", field="period"
        ) from None


@dataclass
class _Figures:
    xp: int = 0
    done: int = 0
    first_pass: int = 0
    qc_fails: int = 0
    worked_done: int = 0
    attendance: int = 0
    flags: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FLAG_COLORS, 0))


def _leaderboard(tx: Tx, settings: BoardSettings, period: Period) -> Leaderboard:
    rules = _rules_of(settings)
    zone = tx.rules().time_zone
    since = period_start(tx.now, zone, period, rules.shift_start)
    first_day = since.astimezone(shop_zone(zone)).date()
    today = tx.now.astimezone(shop_zone(zone)).date()
    figures: dict[int, _Figures] = {}

    def of(tid: int) -> _Figures:
        return figures.setdefault(tid, _Figures())

    # The tickets passed in the period, by technician and flag colour: one grouped range
    # of the done_at index (a day's or a week's passes, never the history).
    colour = flag_color_sql(Ticket.flag_minutes)
    done_rows = tx.session.execute(
        select(
            Ticket.technician_id,
            colour,
            func.count(),
            func.sum(case((Ticket.qc_fail_count == 0, 1), else_=0)),
            func.sum(Ticket.qc_fail_count),
            func.sum(Ticket.worked_seconds),
        )
        .where(Ticket.done_at >= since, Ticket.technician_id.is_not(None))
        .group_by(Ticket.technician_id, colour)
    ).all()
    for tid, name, n, first, fails, worked in done_rows:
        mine = of(tid)
        mine.flags[name] += int(n)
        mine.qc_fails += int(fails or 0)
        if period is Period.SHIFT:  # a shift starts mid-day: the daily rollups cannot say
            mine.done += int(n)
            mine.first_pass += int(first or 0)
            mine.worked_done += int(worked or 0)

    # Whole days: the kept rollups (days x technicians rows). Today's total goes in the
    # header whatever the period.
    day_rows = tx.session.execute(
        select(
            TechnicianDay.day,
            TechnicianDay.technician_id,
            TechnicianDay.done,
            TechnicianDay.first_pass,
            TechnicianDay.xp,
            TechnicianDay.worked_seconds_done,
            TechnicianDay.worked_seconds,
        ).where(TechnicianDay.day >= min(first_day, today))
    ).all()
    done_today = 0
    for day, tid, done, first, xp, worked_done, worked in day_rows:
        on = day if isinstance(day, date) else date.fromisoformat(str(day))
        if on == today:
            done_today += int(done or 0)
        if period is Period.SHIFT or on < first_day:
            continue
        mine = of(tid)
        mine.done += int(done or 0)
        mine.first_pass += int(first or 0)
        mine.xp += int(xp or 0)
        mine.worked_done += int(worked_done or 0)
        mine.attendance += 1 if worked else 0
    if period is Period.SHIFT:
        paid = tx.session.execute(
            select(XpEntry.user_id, func.sum(XpEntry.amount))
            .where(XpEntry.created_at >= since)
            .group_by(XpEntry.user_id)
        ).all()
        for tid, amount in paid:
            of(tid).xp += int(amount or 0)
        for tid in figures:  # a shift is one working day
            figures[tid].attendance = 1 if figures[tid].done or figures[tid].xp else 0

    rows: list[LeaderRow] = []
    for tid, username, name in active_technicians(tx):
        f = figures.get(tid, _Figures())
        rows.append(
            LeaderRow(
                rank=0,
                user_id=tid,
                username=username,
                name=name,
                xp=f.xp,
                done=f.done,
                first_pass=f.first_pass,
                qc_fail_events=f.qc_fails,
                flags=dict(f.flags),
                worked_seconds_done=f.worked_done,
                attendance_days=f.attendance,
            )
        )
    ready = tx.session.scalar(
        select(BikeStatusCount.bikes).where(
            BikeStatusCount.status == BikeStatus.READY.value, BikeStatusCount.is_active.is_(True)
        )
    )
    return Leaderboard(
        period=period,
        since=since,
        generated_at=tx.now,
        rows=rank_rows(rows),
        done_today=done_today,
        daily_target=rules.daily_target,
        ready_bikes=int(ready or 0),
    )


@reads
def leaderboard(
    tx: Tx,
    *,
    token: str | None = None,
    actor_id: int | None = None,
    period: Period | str = Period.TODAY,
) -> Leaderboard:
    """The leaderboard for ``period``, read with a board ``token`` or as ``actor_id``.
    A shift in a shop with no shift start is today (the answer's ``period`` says so)."""
    chosen = _period(period)
    settings = _allow(tx, token, actor_id)
    return _leaderboard(tx, settings, _shown(chosen, _rules_of(settings)))


def _shown(period: Period, rules: BoardRules) -> Period:
    """``period``, or today where the shop cannot show it (a shift with no start): a
    board never goes blank, nor a request fail, over a setting."""
    return period if period in rules.periods else Period.TODAY


# --- now --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bench:
    """A technician and the bike on their bench (``ticket_id`` None: nothing in progress)."""

    user_id: int
    name: str
    ticket_id: int | None = None
    bike_code: str = ""
    title: str = ""
    timer: str | None = None  # running, paused, or None (no open timer)
    worked_seconds: int = 0  # on the ticket, as of the read
    srt_minutes: int = 0
    paused_since: datetime | None = None
    pause_reason: str = ""

    def worked_at(self, read_at: datetime, now: datetime) -> int:
        """Worked seconds ``now`` (a running timer keeps counting after the read)."""
        if self.timer != WorkSessionStatus.RUNNING.value:
            return self.worked_seconds
        return self.worked_seconds + max(0, int((now - read_at).total_seconds()))

    def over_srt_at(self, read_at: datetime, now: datetime) -> bool:
        """Whether the time worked on the bike is past its SRT ``now``."""
        return self.ticket_id is not None and self.worked_at(read_at, now) > self.srt_minutes * 60

    def long_pause_at(self, now: datetime, minutes: int) -> bool:
        """Whether the timer has been paused ``minutes`` or longer ``now``."""
        since = self.paused_since
        return since is not None and now - since >= timedelta(minutes=minutes)


@dataclass(frozen=True)
class Waiting:
    """A ticket in a queue: waiting for QC, for a technician, or parked."""

    ticket_id: int
    bike_code: str
    title: str
    technician_name: str | None
    since: datetime
    rework: bool = False  # it failed QC before
    reason: str = ""  # what a parked ticket waits for


@dataclass(frozen=True)
class Queue:
    items: tuple[Waiting, ...]  # the oldest first, at most QUEUE_ROWS
    total: int


@dataclass(frozen=True)
class NowBoard:
    benches: tuple[Bench, ...]
    waiting_qc: Queue
    waiting_assignment: Queue
    parked: Queue
    long_pause_minutes: int


@dataclass(frozen=True)
class WallBoard:
    """Both pages, read in one transaction at ``read_at``."""

    leaderboard: Leaderboard
    now: NowBoard
    rules: BoardRules
    read_at: datetime
    time_zone: str


def _benches(tx: Tx) -> tuple[Bench, ...]:
    now = tx.now
    # One in-progress ticket per technician (a unique index), with its open timer if any.
    rows = tx.session.execute(
        select(
            Ticket.technician_id,
            Ticket.id,
            Bike.bike_code,
            Ticket.title,
            Ticket.srt_total_minutes,
            Ticket.worked_seconds,
            Ticket.running_since,
            WorkSession.status,
            WorkSession.updated_at,
            WorkSession.pause_reason,
        )
        .join(Bike, Bike.id == Ticket.bike_id)
        .outerjoin(WorkSession, (WorkSession.ticket_id == Ticket.id) & session_is_open())
        .where(Ticket.status == TicketStatus.IN_PROGRESS.value)
    ).all()
    reasons = {r.code: r.label for r in tx.rules().pause_reasons}
    reasons[AWAY_PAUSE_REASON] = AWAY_PAUSE_LABEL
    on_bench: dict[int, Bench] = {}
    for tid, ticket_id, code, title, srt, worked, running_since, timer, changed, why in rows:
        seconds = int(worked or 0)
        if timer == WorkSessionStatus.RUNNING.value and running_since is not None:
            seconds += int((now - running_since).total_seconds())
        paused = timer == WorkSessionStatus.PAUSED.value and changed is not None
        if tid is None:  # in progress always has a technician; the column allows NULL
            continue
        on_bench[tid] = Bench(
            user_id=tid,
            name="",
            ticket_id=ticket_id,
            bike_code=code,
            title=title,
            timer=timer,
            worked_seconds=max(0, seconds),
            srt_minutes=srt,
            paused_since=changed if paused else None,
            pause_reason=reasons.get(why or "", why or "") if paused else "",
        )
    benches = []
    for tid, _username, name in active_technicians(tx):
        found = on_bench.get(tid)
        benches.append(Bench(tid, name) if found is None else replace(found, name=name))
    return tuple(benches)


def _queue(tx: Tx, status: TicketStatus) -> Queue:
    """The oldest tickets of a status (assigned: the parked ones, on hold), and how many."""
    tech = User.__table__.alias("tech")
    where = [Ticket.status == status.value]
    if status is TicketStatus.ASSIGNED:
        where.append(Ticket.parked_reason.is_not(None))
    since = Ticket.created_at if status is TicketStatus.NEW else Ticket.updated_at
    rows = tx.session.execute(
        select(
            Ticket.id,
            Bike.bike_code,
            Ticket.title,
            tech.c.username,
            tech.c.first_name,
            tech.c.last_name,
            since,
            Ticket.qc_fail_count,
            Ticket.parked_reason,
        )
        .join(Bike, Bike.id == Ticket.bike_id)
        .outerjoin(tech, tech.c.id == Ticket.technician_id)
        .where(*where)
        .order_by(since, Ticket.id)
        .limit(QUEUE_ROWS)
    ).all()
    total = tx.session.scalar(select(func.count()).select_from(Ticket).where(*where))
    items = tuple(
        Waiting(
            ticket_id=tid,
            bike_code=code,
            title=title,
            technician_name=display_name(first, last, user) if user else None,
            since=at,
            rework=bool(fails),
            reason=reason or "",
        )
        for tid, code, title, user, first, last, at, fails, reason in rows
    )
    return Queue(items, int(total or 0))


def _now_board(tx: Tx, rules: BoardRules) -> NowBoard:
    return NowBoard(
        benches=_benches(tx),
        waiting_qc=_queue(tx, TicketStatus.WAITING_QC),
        waiting_assignment=_queue(tx, TicketStatus.NEW),
        parked=_queue(tx, TicketStatus.ASSIGNED),
        long_pause_minutes=rules.long_pause_minutes,
    )


@reads
def wall_board(
    tx: Tx,
    *,
    token: str | None = None,
    actor_id: int | None = None,
    period: Period | str = Period.TODAY,
) -> WallBoard:
    """Both pages of the wall board in one transaction, read with a board ``token`` (or as
    ``actor_id``); ``period`` as :func:`leaderboard` takes it."""
    chosen = _period(period)
    settings = _allow(tx, token, actor_id)
    rules = _rules_of(settings)
    return WallBoard(
        leaderboard=_leaderboard(tx, settings, _shown(chosen, rules)),
        now=_now_board(tx, rules),
        rules=rules,
        read_at=tx.now,
        time_zone=tx.rules().time_zone,
    )
