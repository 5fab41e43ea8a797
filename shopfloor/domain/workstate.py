"""Steps of part-level work that several use cases share, inside their transaction:
ticking tasks (a tick, a QC fail's un-ticks) and asking for a part (a park).

Each appends its event rows and returns the ticket's new ``work_state``
(:mod:`.partwork`); :mod:`.tickets`, :mod:`.ticks` and :mod:`.parts` import these, and
this module imports none of them.
"""

from __future__ import annotations

from typing import Any

from .models import ChecklistTick, PartWaiting
from .partwork import iso, state_of
from .shop import Tx
from .sql.tickets import TicketRow


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
