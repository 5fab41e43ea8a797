"""Checklist tasks ticked off (issue 21): each tick and un-tick is an append-only event
(``checklist_ticks``) with who and when; the ticket keeps the current state in its
``work_state`` (see :mod:`.partwork`).

Only the ticket's technician ticks, while the ticket is theirs (assigned, in progress
or in rework); a super admin may act for them. :func:`failed_tasks` reports which tasks
QC fails name most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from .checklists import checklist_task, readable_checklist
from .errors import RuleViolation, TransitionNotAllowed, ValidationFailed
from .models import TicketTransition
from .partwork import state_of
from .rules import Permission
from .shop import Tx, reads, writes
from .tickets import _reply
from .values import TicketAction, TicketStatus
from .views import TicketView
from .workflow import lock_ticket, require_worker
from .workstate import set_ticks

TICKABLE = frozenset({TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.REWORK})


def may_tick(status: str, technician_id: int | None, user_id: int) -> bool:
    """Whether ``user_id`` ticks a ticket's tasks now, as its technician: what
    :func:`tick_task` allows them (a super admin may also act for the technician)."""
    return technician_id == user_id and status in TICKABLE


@writes
def tick_task(
    tx: Tx, actor_id: int, ticket_id: int, task_index: int, ticked: bool = True
) -> TicketView:
    """Tick a checklist task done (``ticked=False``: un-tick a mistake)."""
    ticket = lock_ticket(tx, actor_id, ticket_id, Permission.WORK)
    actor = tx.acting
    require_worker(actor, ticket)
    if TicketStatus(ticket.status) not in TICKABLE:
        raise TransitionNotAllowed(
            f"Ticket #{ticket.id} is {ticket.status}; tasks are ticked only while it is "
            "assigned, in progress or in rework.",
            field="status",
        )
    if not isinstance(ticked, bool):
        raise ValidationFailed("ticked must be true or false.", field="ticked")
    checklist = readable_checklist(ticket.checklist_snapshot)
    if isinstance(task_index, bool) or not isinstance(task_index, int):
        raise ValidationFailed("task must be a task's index.", field="task")
    if not 0 <= task_index < len(checklist):
        raise ValidationFailed(
            f"There is no task {task_index}; this checklist's tasks are 0 to {len(checklist) - 1}.",
            field="task",
        )
    is_done = str(task_index) in state_of(ticket.work_state)["done"]
    if is_done == ticked:
        task = checklist_task(checklist[task_index])
        raise RuleViolation(
            f"Task {task_index} ({task[:60]}) is already {'ticked' if ticked else 'not ticked'}; "
            "nothing changed.",
            field="task",
            code="unchanged",
        )
    ticket = set_ticks(tx, ticket, [task_index], ticked, actor.id, actor.name)
    return _reply(tx, ticket)


@dataclass(frozen=True)
class FailedTask:
    """A checklist task QC named as failed, and how often, over a window."""

    task: str
    fails: int
    tickets: int
    last_at: datetime


MAX_REPORT_DAYS = 366


@reads
def failed_tasks(tx: Tx, actor_id: int | None = None, *, days: int = 30) -> list[FailedTask]:
    """The tasks QC fails named over the last ``days`` days, most often failed first
    (tasks by their text, so the same task on different tickets counts together)."""
    tx.authorise(actor_id, Permission.VIEW_ANALYTICS)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_REPORT_DAYS:
        raise ValidationFailed(f"days must be from 1 to {MAX_REPORT_DAYS}.", field="days")
    since = tx.now - timedelta(days=days)
    rows = tx.execute(
        select(TicketTransition.ticket_id, TicketTransition.meta, TicketTransition.created_at)
        .where(
            TicketTransition.action == TicketAction.QC_FAIL.value,
            TicketTransition.created_at >= since,
        )
        .order_by(TicketTransition.id)
    )
    counts: dict[str, list[Any]] = {}
    for ticket_id, meta, at in rows:
        names = (meta or {}).get("failed_task_names") or []
        for name in names if isinstance(names, list) else []:
            entry = counts.setdefault(str(name), [0, set(), at])
            entry[0] += 1
            entry[1].add(ticket_id)
            entry[2] = max(entry[2], at)
    found = [FailedTask(task, n, len(tickets), last) for task, (n, tickets, last) in counts.items()]
    return sorted(found, key=lambda f: (-f.fails, -f.tickets, f.task))
