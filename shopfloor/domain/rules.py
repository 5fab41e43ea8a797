"""Workshop rules as data: who may do what, which state moves are allowed, what the
database guards, and what XP a pass pays.

Services read these tables through :func:`require` and :func:`next_ticket_status`;
the TUI reads the same tables to decide which keys to offer. :data:`INVARIANTS` names
every rule the database guards too (an index, a trigger, a constraint) with the
sentence a user meets when it refuses, whether a use case's pre-check or, after a
lost race, the database itself said no. Nothing here touches the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time, timedelta
from enum import StrEnum

from .errors import (
    DomainError,
    PermissionDenied,
    RuleViolation,
    TransitionNotAllowed,
    ValidationFailed,
)
from .values import Role, TicketAction, TicketStatus, WorkSessionAction, WorkSessionStatus


class Permission(StrEnum):
    """Things a user may be allowed to do."""

    CREATE_TICKET = "create_ticket"
    ASSIGN = "assign"
    WORK = "work"  # start, send to QC, and every work-session timer action
    QC = "qc"
    MANAGE_BIKES = "manage_bikes"
    VIEW_ANALYTICS = "view_analytics"
    READ_ANY_XP = "read_any_xp"
    MANAGE_USERS = "manage_users"
    EDIT_CHECKLIST_TEMPLATE = "edit_checklist_template"
    EDIT_TIMER_RULES = "edit_timer_rules"  # pause reasons, budget, shift end, time zone
    EDIT_RULES = "edit_rules"
    MANAGE_PARTS = "manage_parts"  # the parts catalogue and bike models
    REVIEW = "review"  # approve a ticket under review, override its flag colour and XP


ROLE_MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.CREATE_TICKET: frozenset({Role.MASTER, Role.SUPER_ADMIN}),
    Permission.ASSIGN: frozenset({Role.SUPER_ADMIN, Role.OPS_MANAGER, Role.MASTER}),
    Permission.WORK: frozenset({Role.TECHNICIAN, Role.SUPER_ADMIN}),
    Permission.QC: frozenset({Role.QC_INSPECTOR, Role.SUPER_ADMIN}),
    Permission.MANAGE_BIKES: frozenset({Role.SUPER_ADMIN, Role.OPS_MANAGER, Role.MASTER}),
    Permission.VIEW_ANALYTICS: frozenset({Role.SUPER_ADMIN, Role.OPS_MANAGER}),
    Permission.READ_ANY_XP: frozenset({Role.SUPER_ADMIN, Role.OPS_MANAGER}),
    Permission.MANAGE_USERS: frozenset({Role.SUPER_ADMIN}),
    Permission.EDIT_CHECKLIST_TEMPLATE: frozenset({Role.MASTER, Role.SUPER_ADMIN}),
    Permission.EDIT_TIMER_RULES: frozenset({Role.SUPER_ADMIN, Role.OPS_MANAGER}),
    Permission.EDIT_RULES: frozenset({Role.SUPER_ADMIN}),
    Permission.MANAGE_PARTS: frozenset({Role.SUPER_ADMIN, Role.OPS_MANAGER, Role.MASTER}),
    Permission.REVIEW: frozenset({Role.SUPER_ADMIN, Role.OPS_MANAGER}),
}

PERMISSION_PHRASES: dict[Permission, str] = {
    Permission.CREATE_TICKET: "create tickets",
    Permission.ASSIGN: "assign technicians",
    Permission.WORK: "work on tickets",
    Permission.QC: "pass or fail QC",
    Permission.MANAGE_BIKES: "manage bikes",
    Permission.VIEW_ANALYTICS: "view analytics",
    Permission.READ_ANY_XP: "read other users' XP",
    Permission.MANAGE_USERS: "manage users",
    Permission.EDIT_CHECKLIST_TEMPLATE: "change the default checklist",
    Permission.EDIT_TIMER_RULES: "change the timer rules",
    Permission.EDIT_RULES: "change the workshop's rules",
    Permission.MANAGE_PARTS: "manage the parts catalogue",
    Permission.REVIEW: "review tickets",
}

# action -> {from status: to status}; a status missing from the inner dict is refused.
TICKET_TRANSITIONS: dict[TicketAction, dict[TicketStatus, TicketStatus]] = {
    TicketAction.ASSIGNED: {
        TicketStatus.NEW: TicketStatus.ASSIGNED,
        TicketStatus.ASSIGNED: TicketStatus.ASSIGNED,
        # A reassigned rework ticket stays rework so everyone still sees it failed QC.
        TicketStatus.REWORK: TicketStatus.REWORK,
    },
    TicketAction.STARTED: {
        TicketStatus.ASSIGNED: TicketStatus.IN_PROGRESS,
        TicketStatus.REWORK: TicketStatus.IN_PROGRESS,
    },
    TicketAction.TO_WAITING_QC: {TicketStatus.IN_PROGRESS: TicketStatus.WAITING_QC},
    TicketAction.QC_PASS: {TicketStatus.WAITING_QC: TicketStatus.DONE},
    TicketAction.QC_FAIL: {TicketStatus.WAITING_QC: TicketStatus.REWORK},
    # Back to the same technician's queue; starting it again is the ordinary start.
    TicketAction.PARKED: {TicketStatus.IN_PROGRESS: TicketStatus.ASSIGNED},
    TicketAction.REVIEW_APPROVED: {TicketStatus.UNDER_REVIEW: TicketStatus.NEW},
}

TICKET_ACTION_PERMISSION: dict[TicketAction, Permission] = {
    TicketAction.CREATED: Permission.CREATE_TICKET,
    TicketAction.ASSIGNED: Permission.ASSIGN,
    TicketAction.STARTED: Permission.WORK,
    TicketAction.TO_WAITING_QC: Permission.WORK,
    TicketAction.QC_PASS: Permission.QC,
    TicketAction.QC_FAIL: Permission.QC,
    TicketAction.PARKED: Permission.WORK,
    TicketAction.REVIEW_APPROVED: Permission.REVIEW,
}

# Timer actions: {from status: to status}; ``None`` is "no open session".
WORK_SESSION_TRANSITIONS: dict[
    WorkSessionAction, dict[WorkSessionStatus | None, WorkSessionStatus]
] = {
    WorkSessionAction.STARTED: {None: WorkSessionStatus.RUNNING},
    WorkSessionAction.PAUSED: {WorkSessionStatus.RUNNING: WorkSessionStatus.PAUSED},
    WorkSessionAction.RESUMED: {WorkSessionStatus.PAUSED: WorkSessionStatus.RUNNING},
    WorkSessionAction.STOPPED: {
        WorkSessionStatus.RUNNING: WorkSessionStatus.STOPPED,
        WorkSessionStatus.PAUSED: WorkSessionStatus.STOPPED,
    },
}

# Ticket statuses in which a work session may be started (assigned/rework also start the ticket).
WORK_SESSION_START_STATUSES: frozenset[TicketStatus] = frozenset(
    {TicketStatus.ASSIGNED, TicketStatus.REWORK, TicketStatus.IN_PROGRESS}
)

ACTION_PHRASES: dict[TicketAction, str] = {
    TicketAction.ASSIGNED: "assign",
    TicketAction.STARTED: "start",
    TicketAction.TO_WAITING_QC: "send to QC",
    TicketAction.QC_PASS: "pass QC for",
    TicketAction.QC_FAIL: "fail QC for",
    TicketAction.PARKED: "park",
    TicketAction.REVIEW_APPROVED: "approve",
}

TIMER_PHRASES: dict[WorkSessionAction, str] = {
    WorkSessionAction.STARTED: "start",
    WorkSessionAction.PAUSED: "pause",
    WorkSessionAction.RESUMED: "resume",
    WorkSessionAction.STOPPED: "stop",
}


@dataclass(frozen=True)
class PauseReason:
    """One reason a technician may give for pausing (or parking); the shop edits the list."""

    code: str
    label: str
    # False for breaks of the shift calendar: they do not use up the daily pause budget.
    counts: bool = True
    # "Other" asks for a note saying what it was.
    needs_note: bool = False


DEFAULT_PAUSE_REASONS: tuple[PauseReason, ...] = (
    PauseReason("waiting_for_parts", "Waiting for parts"),
    PauseReason("tool_or_bay_busy", "Tool or bay busy"),
    PauseReason("break", "Break", counts=False),
    PauseReason("customer_or_manager", "Customer or manager"),
    PauseReason("other", "Other", needs_note=True),
)
PARK_DEFAULT_REASON = "waiting_for_parts"

# How long "still working?" waits at the shift's end before the timer is stopped there.
STILL_WORKING_GRACE = timedelta(minutes=15)


def pause_reasons_from_json(raw: object) -> tuple[PauseReason, ...]:
    """The shop's stored list (``[{"code", "label", "counts", "needs_note"}]``); ``None``
    or anything unreadable is the built-in list."""
    if not isinstance(raw, list) or not raw:
        return DEFAULT_PAUSE_REASONS
    reasons = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            return DEFAULT_PAUSE_REASONS
        reasons.append(
            PauseReason(
                code=item["code"],
                label=str(item.get("label") or item["code"]),
                counts=bool(item.get("counts", True)),
                needs_note=bool(item.get("needs_note", False)),
            )
        )
    return tuple(reasons)


def pause_reasons_to_json(reasons: Iterable[PauseReason]) -> list[dict[str, object]]:
    return [
        {"code": r.code, "label": r.label, "counts": r.counts, "needs_note": r.needs_note}
        for r in reasons
    ]


def allows(roles: Iterable[Role | str], permission: Permission) -> bool:
    """True when any of ``roles`` grants ``permission``."""
    granted = ROLE_MATRIX[permission]
    return any(Role(r) in granted for r in roles)


def require(roles: Iterable[Role | str], permission: Permission) -> None:
    """Raise :class:`PermissionDenied` unless ``roles`` grant ``permission``."""
    role_list = [Role(r) for r in roles]
    if allows(role_list, permission):
        return
    needed = ", ".join(sorted(r.value for r in ROLE_MATRIX[permission]))
    held = ", ".join(sorted(r.value for r in role_list)) or "no role"
    raise PermissionDenied(
        f"Your roles ({held}) may not {PERMISSION_PHRASES[permission]}; "
        f"this needs one of: {needed}."
    )


def next_ticket_status(action: TicketAction, current: TicketStatus, ticket_id: int) -> TicketStatus:
    """The status ``action`` moves a ticket to, or :class:`TransitionNotAllowed`."""
    moves = TICKET_TRANSITIONS[action]
    if current not in moves:
        allowed = ", ".join(s.value for s in moves)
        raise TransitionNotAllowed(
            f"Cannot {ACTION_PHRASES[action]} ticket {ticket_id}: it is {current.value}; "
            f"this is only possible when it is {allowed}.",
            field="status",
        )
    return moves[current]


def next_session_status(
    action: WorkSessionAction, current: WorkSessionStatus | None, ticket_id: int
) -> WorkSessionStatus:
    """The status a timer ``action`` moves the ticket's open session to."""
    moves = WORK_SESSION_TRANSITIONS[action]
    if current in moves:
        return moves[current]
    if current is None:
        hint = "start a work session first"
    elif current is WorkSessionStatus.RUNNING:
        hint = "its work session is already running; pause or stop it"
    else:
        hint = "its work session is paused; resume or stop it"
    raise TransitionNotAllowed(
        f"Cannot {TIMER_PHRASES[action]} the timer on ticket {ticket_id}: {hint}.",
        field="work_session",
    )


def may_work_on(roles: Iterable[Role | str], *, is_assigned_technician: bool) -> bool:
    """Work on a ticket is for its assigned technician; a super admin may act for them."""
    role_list = [Role(r) for r in roles]
    return allows(role_list, Permission.WORK) and (
        is_assigned_technician or Role.SUPER_ADMIN in role_list
    )


def may_start_timer(
    roles: Iterable[Role | str], status: TicketStatus, *, is_assigned_technician: bool
) -> bool:
    """Whether a timer can start on a ticket in ``status`` (for offering the key)."""
    return status in WORK_SESSION_START_STATUSES and may_work_on(
        roles, is_assigned_technician=is_assigned_technician
    )


def ticket_actions_for(
    roles: Iterable[Role | str], status: TicketStatus, *, is_assigned_technician: bool
) -> list[TicketAction]:
    """Ticket actions this user could take on a ticket in ``status`` (for offering keys)."""
    role_list = [Role(r) for r in roles]
    result: list[TicketAction] = []
    for action, moves in TICKET_TRANSITIONS.items():
        if status not in moves or not allows(role_list, TICKET_ACTION_PERMISSION[action]):
            continue
        if TICKET_ACTION_PERMISSION[action] is Permission.WORK and not may_work_on(
            role_list, is_assigned_technician=is_assigned_technician
        ):
            continue
        result.append(action)
    return result


@dataclass(frozen=True)
class Rules:
    """The workshop's tunable rules (the one ``workshop_rules`` row), as read with the
    caller at the start of a use case."""

    checklist_min_items: int = 10
    xp_srt_divisor: int = 20
    xp_first_pass_bonus: int = 1
    pause_reasons: tuple[PauseReason, ...] = DEFAULT_PAUSE_REASONS
    pause_budget_minutes: int = 30
    shift_end: time | None = None  # local time in ``time_zone``
    time_zone: str = "UTC"
    allow_self_inspection: bool = False
    # Issue 21: new tickets wait for an admin's review; ``start/`` also opens the timer;
    # a task marked critical must be ticked before the ticket goes to QC.
    review_required: bool = False
    start_opens_timer: bool = False
    critical_tasks_required: bool = False
    # The first-pass bonus only when the worked time is within the SRT; inspector XP.
    first_pass_bonus_within_srt: bool = False
    inspector_xp_pass: int = 0
    inspector_xp_fail: int = 0

    def pause_reason(self, code: str) -> PauseReason | None:
        return next((r for r in self.pause_reasons if r.code == code), None)


# --- XP ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class XpAward:
    """XP for a QC pass: the base and the first-pass bonus (0 after a rework)."""

    base: int
    bonus: int  # for a first pass, else 0

    @property
    def total(self) -> int:
        return self.base + self.bonus


def base_xp(srt_total_minutes: int, rules: Rules) -> int:
    """Base XP for a passed ticket: its standard repair time in units of the shop's divisor,
    rounded up (a 45-minute job at 20 minutes a point earns 3)."""
    return math.ceil(srt_total_minutes / rules.xp_srt_divisor)


def is_first_pass(qc_fails: int) -> bool:
    """A pass is a first pass when the ticket never failed QC."""
    return qc_fails == 0


def qc_pass_xp(
    srt_total_minutes: int, qc_fails: int, rules: Rules, worked_seconds: int = 0
) -> XpAward:
    """The XP a QC pass earns: the base, plus the shop's bonus for a first pass (with the
    ``first_pass_bonus_within_srt`` rule, only for one worked within its SRT)."""
    earned = is_first_pass(qc_fails) and (
        not rules.first_pass_bonus_within_srt or worked_seconds <= srt_total_minutes * 60
    )
    bonus = rules.xp_first_pass_bonus if earned else 0
    return XpAward(base_xp(srt_total_minutes, rules), bonus)


# --- what the database guards too --------------------------------------------------------------


@dataclass(frozen=True)
class Invariant:
    """A rule the database enforces as well as the use cases, and how a refusal reads.

    ``detailed`` is the sentence of a use case's pre-check, which knows the specifics
    (``{placeholders}``); ``sentence`` is what is said when only the database caught it
    (a race lost twice). ``sqlite_columns``: how SQLite names a violated unique index.
    """

    rule: str
    error: type[DomainError]
    field: str
    code: str
    sentence: str
    detailed: str | None = None
    sqlite_columns: tuple[str, ...] = ()

    def refused(self, **details: object) -> DomainError:
        """The refusal, in the pre-check's words when ``details`` are given."""
        if details and self.detailed is not None:
            return self.error(self.detailed.format(**details), field=self.field, code=self.code)
        return self.error(self.sentence, field=self.field, code=self.code)


ACTIVE_TICKET_PER_BIKE = Invariant(
    "A bike has at most one active (not done) ticket.",
    RuleViolation,
    "bike_code",
    "active_ticket_exists",
    "This bike already has an active ticket; finish or pass QC on it first.",
    "Bike {bike} already has active ticket #{ticket}; finish it before opening another.",
    sqlite_columns=("tickets.bike_id",),
)
ONE_TICKET_IN_PROGRESS = Invariant(
    "A technician has at most one ticket in progress.",
    RuleViolation,
    "technician",
    "technician_busy",
    "The technician already has a ticket in progress; send it to QC first.",
    "The technician already has ticket #{ticket} in progress; "
    "send it to QC before starting another.",
    sqlite_columns=("tickets.technician_id",),
)
ONE_OPEN_TIMER_PER_TICKET = Invariant(
    "A ticket has at most one open (running or paused) work session.",
    RuleViolation,
    "work_session",
    "open_session_exists",
    "This ticket already has an open work session; pause, resume or stop it.",
    sqlite_columns=("work_sessions.ticket_id",),
)
ONE_OPEN_TIMER_PER_TECHNICIAN = Invariant(
    "A technician has at most one open work session.",
    RuleViolation,
    "work_session",
    "open_session_exists",
    "The technician already has an open work session on another ticket; stop it first.",
    "The technician already has an open timer on ticket #{ticket}; "
    "stop it or send that ticket to QC first.",
    sqlite_columns=("work_sessions.technician_id",),
)
NO_TICKET_ON_ARCHIVED_BIKE = Invariant(
    "An archived bike holds no active ticket (restore it first; it is never re-created).",
    ValidationFailed,
    "bike_code",
    "bike_archived",
    "This bike is archived; restore it first, then take it in (it is never re-created).",
    "Bike {bike} is archived; restore it first, then take it in (it is never re-created).",
)
NO_ARCHIVING_WITH_ACTIVE_TICKET = Invariant(
    "A bike with an active ticket is not archived.",
    RuleViolation,
    "bike",
    "active_ticket_exists",
    "This bike has an active ticket; finish it before archiving.",
    "Bike {bike} has active ticket #{ticket}; finish it before archiving.",
)
UNIQUE_BIKE_CODE = Invariant(
    "Bike codes are unique (archived bikes keep theirs).",
    ValidationFailed,
    "bike_code",
    "duplicate",
    "A bike with this code already exists.",
    "Bike {bike} already exists.",
    sqlite_columns=("bikes.bike_code",),
)
UNIQUE_USERNAME = Invariant(
    "Usernames are unique, ignoring case.",
    ValidationFailed,
    "username",
    "duplicate",
    "That username is taken (usernames ignore case).",
    "Username {username!r} is taken (usernames ignore case); choose another.",
)
XP_PAID_ONCE = Invariant(
    "Each XP entry (a ticket's base, its first-pass bonus) is paid once.",
    RuleViolation,
    "reference",
    "duplicate",
    "This XP has already been paid.",
    sqlite_columns=("xp_ledger.reference",),
)
# Only a clock that went backwards can break these two (events are stamped under the lock).
TIMER_EVENTS_IN_ORDER = Invariant(
    "A work session's events never go back in time.",
    RuleViolation,
    "work_session",
    "clock_behind",
    "The shop clock is behind this timer's last event; check the computer's clock and try again.",
)
WORKED_TIME_NOT_NEGATIVE = Invariant(
    "A work session's worked time is never negative.",
    RuleViolation,
    "work_session",
    "clock_behind",
    "Worked time cannot be negative; check the computer's clock and try again.",
)

# The name of the index, trigger or constraint in the database -> the rule it guards.
INVARIANTS: dict[str, Invariant] = {
    "uq_tickets_active_bike": ACTIVE_TICKET_PER_BIKE,
    "uq_tickets_in_progress_technician": ONE_TICKET_IN_PROGRESS,
    "uq_work_sessions_open_ticket": ONE_OPEN_TIMER_PER_TICKET,
    "uq_work_sessions_open_technician": ONE_OPEN_TIMER_PER_TECHNICIAN,
    # These two triggers' refusals carry no name to translate: the bike's row lock keeps
    # intake and archiving apart, so only a writer that skips the domain meets them.
    "tickets_need_an_active_bike": NO_TICKET_ON_ARCHIVED_BIKE,
    "bikes_archive_needs_no_active_ticket": NO_ARCHIVING_WITH_ACTIVE_TICKET,
    "uq_bikes_bike_code": UNIQUE_BIKE_CODE,
    "uq_users_username_ci": UNIQUE_USERNAME,
    "uq_xp_ledger_reference": XP_PAID_ONCE,
    "work_session_events_in_order": TIMER_EVENTS_IN_ORDER,
    "ck_work_sessions_active_seconds_non_negative": WORKED_TIME_NOT_NEGATIVE,
}
