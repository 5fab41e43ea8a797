"""Steps of part-level work that several use cases share, inside their transaction:
ticking tasks (a tick, a QC fail's un-ticks), asking for a part (a park), and the
timer a start opens under the ``start_opens_timer`` rule.

Each appends its event rows and returns the ticket's new ``work_state``
(:mod:`.partwork`); :mod:`.tickets`, :mod:`.ticks` and :mod:`.parts` import these, and
this module imports none of them.
"""

from __future__ import annotations

from typing import Any

from .models import ChecklistTick, PartWaiting, WorkSession
from .partwork import iso, state_of
from .rules import ONE_OPEN_TIMER_PER_TECHNICIAN
from .shop import Tx
from .sql import timers as timer_sql
from .sql.tickets import TicketRow
from .sql.timers import SessionRow, session_row
from .values import WorkSessionAction, WorkSessionStatus
from .work_sessions import Timer
from .work_sessions import _record as record_timer_event


def set_ticks(
    tx: Tx, ticket: TicketRow, indexes: list[int], ticked: bool, actor_id: int, actor_name: str
) -> TicketRow:
    """Append one event per task in ``indexes`` and save the ticket's new work state."""
    state = state_of(ticket.work_state)
    done: dict[str, Any] = state["done"]
    for index in indexes:
        if ticked:
            done[str(index)] = {"by": actor_id, "by_name": actor_name, "at": iso(tx.now)}
        else:
            done.pop(str(index), None)
    if ticked:
        # A task the last QC fail named is fixed once it is ticked again.
        state["failed"] = [i for i in state["failed"] if i not in indexes]
    tx.insert(
        ChecklistTick,
        *[
            {
                "ticket_id": ticket.id,
                "task_index": index,
                "ticked": ticked,
                "actor_id": actor_id,
                "created_at": tx.now,
            }
            for index in indexes
        ],
    )
    return tx.save(ticket, work_state=state, updated_at=tx.now)


def ask_for_part(
    tx: Tx, ticket: Any, part_id: int | None, description: str, quantity: int
) -> dict[str, Any]:
    """Within a park: record the part the ticket waits for; the ticket's new work state."""
    tx.insert(
        PartWaiting,
        {
            "ticket_id": ticket.id,
            "part_id": part_id,
            "description": description,
            "quantity": quantity,
            "asked_by_id": tx.acting.id,
            "asked_at": tx.now,
            "arrived_by_id": None,
            "arrived_at": None,
        },
    )
    state = state_of(ticket.work_state)
    state["missing"] += 1
    return state


def open_timer_on_start(tx: Tx, ticket: TicketRow, actor_id: int) -> TicketRow:
    """With the shop's ``start_opens_timer`` rule (the later API's ``start/``): the ticket
    just started, so its work-session timer starts too, unless one is open already.
    The technician's open timer on another ticket refuses the start (as a timer start)."""
    params = {"ticket_id": ticket.id, "technician_id": ticket.technician_id}
    rows = tx.execute(timer_sql.OPEN_OF_TICKET_OR_TECHNICIAN, params).mappings()
    sessions = [session_row(r) for r in rows]
    if any(s.ticket_id == ticket.id for s in sessions):
        return ticket
    if sessions:
        raise ONE_OPEN_TIMER_PER_TECHNICIAN.refused(ticket=sessions[0].ticket_id)
    assert ticket.technician_id is not None
    values: dict[str, Any] = {
        "ticket_id": ticket.id,
        "technician_id": ticket.technician_id,
        "status": WorkSessionStatus.RUNNING.value,
        "started_at": tx.now,
        "last_started_at": tx.now,
        "ended_at": None,
        "active_seconds": 0,
        "pause_reason": None,
        "created_at": tx.now,
        "updated_at": tx.now,
    }
    timer = Timer(ticket, SessionRow(id=tx.insert_for_id(WorkSession, values), **values))
    record_timer_event(tx, timer, WorkSessionAction.STARTED, WorkSessionStatus.RUNNING, actor_id)
    return timer.ticket
