"""Read models for work boards: what a master or manager needs to hand out work.

The assign board shows each technician's load. Masters may assign but may not
view analytics, so this read is guarded by the assign permission and returns
only what assigning needs. Every figure is a grouped SQL query; Python merges
one row per technician, never whole tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from .models import Ticket, User, UserRole, WorkSession
from .rules import Permission, require
from .shop import Tx, reads
from .values import OPEN_SESSION_STATUSES, Role, TicketStatus, WorkSessionStatus
from .worktime import clipped_seconds, running_segments


@dataclass(frozen=True)
class TechnicianLoad:
    """One technician's current load, for choosing whom to give a ticket."""

    user_id: int
    username: str
    display_name: str
    in_progress: int
    assigned: int  # assigned or rework: waiting for this technician to start
    worked_seconds: int  # timer time since ``since`` (typically local midnight)
    timer: str | None  # running, paused or None when no timer is open


@reads
def technician_load(tx: Tx, actor_id: int, *, since: datetime) -> tuple[TechnicianLoad, ...]:
    """Active technicians by username with their in-progress, assigned and worked time."""
    require(tx.actor(actor_id).role_slugs, Permission.ASSIGN)
    techs = tx.session.execute(
        select(User.id, User.username, User.first_name, User.last_name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role_slug == Role.TECHNICIAN, User.is_active.is_(True))
        .order_by(func.lower(User.username))
    ).all()
    load_rows = tx.session.execute(
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
    for tid, status, n in load_rows:
        if tid is None:  # unassigned tickets carry no load
            continue
        bucket = in_progress if status == TicketStatus.IN_PROGRESS else waiting
        bucket[tid] = bucket.get(tid, 0) + int(n)
    seg = running_segments(tx.now).subquery("segments")
    worked: dict[int, int | None] = dict(
        tx.session.execute(
            select(
                seg.c.technician_id,
                func.sum(clipped_seconds(seg.c.seg_start, seg.c.seg_end, since)),
            ).group_by(seg.c.technician_id)
        ).all()
    )
    timers: dict[int, str] = dict(
        tx.session.execute(
            select(WorkSession.technician_id, WorkSession.status).where(
                WorkSession.status.in_([s.value for s in OPEN_SESSION_STATUSES])
            )
        ).all()
    )
    return tuple(
        TechnicianLoad(
            user_id=tid,
            username=username,
            display_name=" ".join(p for p in (first, last) if p) or username,
            in_progress=in_progress.get(tid, 0),
            assigned=waiting.get(tid, 0),
            worked_seconds=int(worked.get(tid) or 0),
            timer=WorkSessionStatus(timers[tid]).value if tid in timers else None,
        )
        for tid, username, first, last in techs
    )
