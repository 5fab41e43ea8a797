"""Per-technician figures shared by the assign board and team analytics.

Each is one grouped query; callers merge the few rows (one per technician).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from .models import Ticket, User, UserRole
from .shop import Tx
from .values import Role, TicketStatus
from .views import display_name
from .worktime import clipped_seconds, running_segments


def active_technicians(tx: Tx) -> list[tuple[int, str, str]]:
    """(id, username, display name) of every active technician, by username."""
    rows = tx.execute(
        select(User.id, User.username, User.first_name, User.last_name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role_slug == Role.TECHNICIAN, User.is_active.is_(True))
        .order_by(func.lower(User.username))
    ).all()
    return [
        (uid, username, display_name(first, last, username)) for uid, username, first, last in rows
    ]


def open_ticket_counts(tx: Tx) -> tuple[dict[int, int], dict[int, int]]:
    """Per technician: tickets in progress, and tickets waiting for them (assigned or rework)."""
    rows = tx.execute(
        select(Ticket.technician_id, Ticket.status, func.count())
        .where(
            Ticket.technician_id.is_not(None),
            Ticket.status.in_(
                [TicketStatus.IN_PROGRESS, TicketStatus.ASSIGNED, TicketStatus.REWORK]
            ),
        )
        .group_by(Ticket.technician_id, Ticket.status)
    ).all()
    in_progress: dict[int, int] = {}
    waiting: dict[int, int] = {}
    for tid, status, n in rows:
        if tid is None:  # unassigned tickets carry no load
            continue
        bucket = in_progress if status == TicketStatus.IN_PROGRESS else waiting
        bucket[tid] = bucket.get(tid, 0) + int(n)
    return in_progress, waiting


def worked_seconds_by_technician(tx: Tx, since: datetime) -> dict[int, int]:
    """Timer seconds per technician between ``since`` and now, from the event history."""
    seg = running_segments(tx.now, since).subquery("segments")
    rows = tx.execute(
        select(
            seg.c.technician_id, func.sum(clipped_seconds(seg.c.seg_start, seg.c.seg_end, since))
        ).group_by(seg.c.technician_id)
    ).all()
    return {tid: int(total or 0) for tid, total in rows}
