"""Workshop rules as data: who may do what, and which state moves are allowed.

Services read these tables through :func:`require` and :func:`next_ticket_status`;
the TUI reads the same tables to decide which keys to offer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from .errors import PermissionDenied, TransitionNotAllowed
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
}

TICKET_ACTION_PERMISSION: dict[TicketAction, Permission] = {
    TicketAction.CREATED: Permission.CREATE_TICKET,
    TicketAction.ASSIGNED: Permission.ASSIGN,
    TicketAction.STARTED: Permission.WORK,
    TicketAction.TO_WAITING_QC: Permission.WORK,
    TicketAction.QC_PASS: Permission.QC,
    TicketAction.QC_FAIL: Permission.QC,
    TicketAction.PARKED: Permission.WORK,
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
