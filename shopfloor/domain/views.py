"""Read models: plain, frozen values that cross from the domain to the TUI and the API.

Nothing here holds a database session, so entrypoints can keep them as long as
they like.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from .rules import XpAward

T = TypeVar("T")


def display_name(first_name: str | None, last_name: str | None, username: str) -> str:
    """How a person is named on screens and in replies: first and last name, else the
    username."""
    return " ".join(p for p in (first_name, last_name) if p) or username


@dataclass(frozen=True)
class RoleView:
    slug: str
    name: str


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    first_name: str
    last_name: str
    is_active: bool
    roles: tuple[RoleView, ...]
    created_at: datetime
    updated_at: datetime | None = None

    @property
    def role_slugs(self) -> tuple[str, ...]:
        return tuple(r.slug for r in self.roles)

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name, self.username)


@dataclass(frozen=True)
class BikeView:
    id: int
    bike_code: str
    status: str
    is_active: bool
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TicketView:
    id: int
    bike: int
    bike_code: str
    master: int
    master_name: str
    technician: int | None
    technician_name: str | None
    title: str
    checklist_snapshot: tuple[Any, ...]
    srt_total_minutes: int
    srt_approved_by: int
    srt_approved_at: datetime
    flag_minutes: int
    status: str
    assigned_at: datetime | None
    started_at: datetime | None
    done_at: datetime | None
    created_at: datetime
    updated_at: datetime
    worked_seconds: int
    qc_fail_count: int = 0
    # Set on a parked ticket (assigned again, on hold): why, e.g. "Waiting for parts".
    parked_reason: str | None = None
    # What the last QC fail asked the technician to fix ("" when it never failed).
    latest_qc_note: str = ""
    # Part-level work (issue 21; the later API's names). Part specs, each
    # {id, part_id, part_name, color, comment, minutes, created_at, updated_at} (times as
    # ISO text), always a list; the bike's id again, as the later API names it.
    ticket_parts: tuple[dict[str, Any], ...] = ()
    inventory_item: int = 0
    total_duration: int = 0  # the part specs' minutes (the SRT for a ticket without any)
    flag_color: str = "green"
    xp_amount: int = 0
    is_manual: bool = False  # flag colour / XP set by an admin
    approved_by: int | None = None
    approved_by_name: str | None = None
    approved_at: datetime | None = None
    finished_at: datetime | None = None  # when QC passed (``done_at``)
    # Each checklist task's tick state, in checklist order: {index, task, critical, done,
    # done_by, done_by_name, done_at (ISO text), failed (named by the last QC fail)}.
    checklist_state: tuple[dict[str, Any], ...] = ()
    # Parts asked for while parked that have not arrived yet, and whether any that
    # were asked for have arrived ("parts here").
    parts_missing: int = 0
    parts_here: bool = False


@dataclass(frozen=True)
class BikeModelView:
    id: int
    name: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PartView:
    id: int
    model_id: int
    model_name: str
    name: str
    is_archived: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PartWaitingView:
    """A part a parked ticket waits for: what, how many, for which bike, since when."""

    id: int
    ticket: int
    bike_code: str
    part_id: int | None
    part_name: str
    quantity: int
    asked_by: int
    asked_by_name: str
    asked_at: datetime
    arrived_by: int | None
    arrived_at: datetime | None


@dataclass(frozen=True)
class QcPassed:
    """What a QC pass did: the ticket as it now is, and the XP it paid its technician."""

    ticket: TicketView
    first_pass: bool
    xp: XpAward  # paid by this pass (an entry paid before is not paid again)


@dataclass(frozen=True)
class TransitionView:
    id: int
    ticket: int
    from_status: str | None
    to_status: str
    action: str
    actor: int
    actor_name: str
    note: str
    metadata: dict[str, Any]
    created_at: datetime
    # The technician an ``assigned`` row gave the ticket to, by name (None otherwise).
    technician_name: str | None = None


@dataclass(frozen=True)
class WorkSessionView:
    id: int
    ticket: int
    technician: int
    status: str
    started_at: datetime
    last_started_at: datetime | None
    ended_at: datetime | None
    active_seconds: int
    created_at: datetime
    updated_at: datetime
    # Worked seconds including the running interval, as of the read.
    worked_seconds: int


@dataclass(frozen=True)
class WorkSessionEventView:
    id: int
    work_session: int
    ticket: int
    from_status: str | None
    to_status: str
    action: str
    actor: int
    actor_name: str
    event_at: datetime
    metadata: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class XpEntryView:
    id: int
    user: int
    amount: int
    entry_type: str
    reference: str
    description: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, counted in SQL."""

    items: tuple[T, ...]
    total_count: int
    page: int
    per_page: int

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(self.total_count / self.per_page))


@dataclass(frozen=True)
class StreamedPage(Generic[T]):
    """One page of a list whose items are read as they are iterated (once)."""

    items: Iterator[T]
    total_count: int
    page: int
    per_page: int

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(self.total_count / self.per_page))


@dataclass(frozen=True)
class BikeState:
    """What intake knows about a typed bike code before submitting."""

    code: str
    valid: bool
    message: str
    bike: BikeView | None = None
    active_ticket_id: int | None = None
    suggestions: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """One word for the state: unknown, archived, has_active_ticket or the bike status."""
        if not self.valid:
            return "invalid"
        if self.bike is None:
            return "unknown"
        if not self.bike.is_active:
            return "archived"
        if self.active_ticket_id is not None:
            return "has_active_ticket"
        return self.bike.status


@dataclass(frozen=True)
class QcDay:
    day: date
    passed: int
    first_pass: int

    @property
    def first_pass_rate(self) -> float | None:
        return round(100.0 * self.first_pass / self.passed, 1) if self.passed else None


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class QcCounts:
    """QC outcomes over a day, or over a whole window (``day`` is then its last day)."""

    day: date
    done: int
    first_pass_done: int
    qc_pass_events: int
    qc_fail_events: int

    @property
    def rework_done(self) -> int:
        """Tickets passed after at least one QC fail."""
        return self.done - self.first_pass_done

    @property
    def first_pass_rate_percent(self) -> float | None:
        return _rate(self.first_pass_done, self.done)


@dataclass(frozen=True)
class QcWindow:
    window_days: int
    start_date: date
    end_date: date
    totals: QcCounts
    trend: tuple[QcCounts, ...]


@dataclass(frozen=True)
class BacklogFigures:
    """Active tickets by flag bucket and status, with their average flag time and age."""

    total: int
    flag_buckets: dict[str, int]
    status_buckets: dict[str, int]
    avg_flag_minutes: float | None
    avg_age_minutes: float | None

    @property
    def red_or_worse_count(self) -> int:
        return sum(self.flag_buckets[b] for b in ("red", "black", "black_plus"))

    @property
    def black_or_worse_count(self) -> int:
        return sum(self.flag_buckets[b] for b in ("black", "black_plus"))


@dataclass(frozen=True)
class FleetAnalytics:
    bikes_total: int
    bikes_by_status: dict[str, int]
    availability_percent: float
    tickets_by_status: dict[str, int]
    backlog: int
    waiting_for_technician: int
    qc_passed_total: int
    qc_first_pass_total: int
    qc_first_pass_percent: float | None
    # The original's figures, as the contract spells them.
    generated_at: datetime
    bikes_all: int  # archived bikes included
    backlog_figures: BacklogFigures
    qc_window: QcWindow
    qc_trend: tuple[QcDay, ...] = field(default_factory=tuple)
    tickets_parked: int = 0  # assigned again, on hold (e.g. waiting for parts)


@dataclass(frozen=True)
class TechnicianStats:
    user_id: int
    username: str
    display_name: str
    done: int
    first_pass: int
    first_pass_percent: float | None
    xp: int
    in_progress: int
    assigned: int
    worked_seconds: int
    srt_minutes_done: int
    worked_seconds_done: int
    # SRT against worked time on the tickets done in the window: 100 is on standard.
    efficiency_percent: float | None = None
    pause_seconds_by_reason: dict[str, int] = field(default_factory=dict)  # in the window
    pause_budget_used_seconds: int = 0  # today, in the shop's zone
    pause_budget_ran_out: bool = False  # today


def efficiency(srt_minutes: int, worked_seconds: int) -> float | None:
    """SRT as a percentage of the time worked (100: on standard; above: faster)."""
    return round(100.0 * srt_minutes * 60 / worked_seconds, 1) if worked_seconds else None


@dataclass(frozen=True)
class EfficiencyDay:
    """Tickets that passed QC on one local day: their SRT against the time worked on them."""

    day: date
    tickets: int
    srt_minutes: int
    worked_seconds: int

    @property
    def efficiency_percent(self) -> float | None:
        return efficiency(self.srt_minutes, self.worked_seconds)


@dataclass(frozen=True)
class TicketEfficiency:
    """One ticket done in the window: its SRT against the time worked on it."""

    ticket: int
    bike_code: str
    technician: int | None
    srt_minutes: int
    worked_seconds: int

    @property
    def efficiency_percent(self) -> float | None:
        return efficiency(self.srt_minutes, self.worked_seconds)


@dataclass(frozen=True)
class TeamAnalytics:
    days: int
    since: datetime
    technicians: tuple[TechnicianStats, ...]
    generated_at: datetime
    efficiency_by_day: tuple[EfficiencyDay, ...] = ()
    efficiency_by_ticket: tuple[TicketEfficiency, ...] = ()
    pauses_by_reason: dict[str, int] = field(default_factory=dict)  # seconds, whole team

    @property
    def tickets_done_total(self) -> int:
        return sum(t.done for t in self.technicians)

    @property
    def first_pass_total(self) -> int:
        return sum(t.first_pass for t in self.technicians)

    @property
    def xp_total(self) -> int:
        return sum(t.xp for t in self.technicians)

    @property
    def first_pass_rate_percent(self) -> float | None:
        return _rate(self.first_pass_total, self.tickets_done_total)
