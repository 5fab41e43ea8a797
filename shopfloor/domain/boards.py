"""Read models for work boards: what a master or manager needs to hand out work.

The assign board shows each technician's load. Masters may assign but may not
view analytics, so this read is guarded by the assign permission and returns
only what assigning needs. Every figure is a grouped SQL query; Python merges
one row per technician, never whole tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from .models import WorkSession
from .rules import Permission
from .shop import Tx, reads
from .values import OPEN_SESSION_STATUSES, WorkSessionStatus
from .workload import active_technicians, open_ticket_counts, worked_seconds_by_technician


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
    tx.authorise(actor_id, Permission.ASSIGN)
    techs = active_technicians(tx)
    in_progress, waiting = open_ticket_counts(tx)
    worked = worked_seconds_by_technician(tx, since)
    timers: dict[int, str] = dict(
        tx.execute(
            select(WorkSession.technician_id, WorkSession.status).where(
                WorkSession.status.in_([s.value for s in OPEN_SESSION_STATUSES])
            )
        ).all()
    )
    return tuple(
        TechnicianLoad(
            user_id=tid,
            username=username,
            display_name=name,
            in_progress=in_progress.get(tid, 0),
            assigned=waiting.get(tid, 0),
            worked_seconds=worked.get(tid, 0),
            timer=WorkSessionStatus(timers[tid]).value if tid in timers else None,
        )
        for tid, username, name in techs
    )
