"""The domain's vocabulary: the contract's values, as enums."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SUPER_ADMIN = "super_admin"
    OPS_MANAGER = "ops_manager"
    MASTER = "master"
    TECHNICIAN = "technician"
    QC_INSPECTOR = "qc_inspector"

    @property
    def label(self) -> str:
        return ROLE_NAMES[self]


ROLE_NAMES: dict[Role, str] = {
    Role.SUPER_ADMIN: "Super admin",
    Role.OPS_MANAGER: "Operations manager",
    Role.MASTER: "Master",
    Role.TECHNICIAN: "Technician",
    Role.QC_INSPECTOR: "QC inspector",
}


class TicketStatus(StrEnum):
    # Only when the shop's ``review_required`` rule is on: waits for an admin's approval.
    UNDER_REVIEW = "under_review"
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_QC = "waiting_qc"
    REWORK = "rework"
    DONE = "done"


ACTIVE_TICKET_STATUSES: frozenset[TicketStatus] = frozenset(TicketStatus) - {TicketStatus.DONE}


class TicketAction(StrEnum):
    CREATED = "created"
    ASSIGNED = "assigned"
    STARTED = "started"
    TO_WAITING_QC = "to_waiting_qc"
    QC_PASS = "qc_pass"
    QC_FAIL = "qc_fail"
    # in_progress -> assigned (same technician): on hold, e.g. waiting for parts.
    PARKED = "parked"
    # under_review -> new: an admin approved the ticket's parts and minutes (issue 21).
    REVIEW_APPROVED = "review_approved"


class WorkSessionStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


OPEN_SESSION_STATUSES: frozenset[WorkSessionStatus] = frozenset(
    {WorkSessionStatus.RUNNING, WorkSessionStatus.PAUSED}
)


class WorkSessionAction(StrEnum):
    STARTED = "started"
    PAUSED = "paused"
    RESUMED = "resumed"
    STOPPED = "stopped"


# The pause reason recorded when a client sends none (v1 clients never do).
UNSPECIFIED_PAUSE_REASON = "unspecified"


class StopCause(StrEnum):
    """Why a timer was stopped, when something other than its technician stopped it."""

    SENT_TO_QC = "sent_to_qc"
    PARKED = "parked"
    SHIFT_END = "shift_end"  # unanswered "still working?" at the end of the shift
    STALE = "stale"  # ``shopfloor timers stale --stop``


class BikeStatus(StrEnum):
    READY = "ready"
    IN_SERVICE = "in_service"
    RENTED = "rented"
    BLOCKED = "blocked"
    WRITE_OFF = "write_off"


class XpEntryType(StrEnum):
    TICKET_BASE_XP = "ticket_base_xp"
    TICKET_QC_FIRST_PASS_BONUS = "ticket_qc_first_pass_bonus"
    # The inspector's, per QC decision (the shop's inspector_xp_pass/_fail rules).
    TICKET_QC_INSPECTOR = "ticket_qc_inspector"
