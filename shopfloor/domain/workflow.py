"""The workflow steps the ticket and timer use cases share (inside their transaction).

Both :mod:`.tickets` and :mod:`.work_sessions` import these; neither imports the
other's internals back, so there is no import cycle between them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import rollups
from .errors import NotFound, PermissionDenied, TransitionNotAllowed
from .models import Bike, TicketTransition
from .rules import ONE_TICKET_IN_PROGRESS, Permission, may_work_on, next_ticket_status, require
from .shop import Actor, Tx
from .sql import tickets as ticket_sql
from .sql.tickets import TicketRow, ticket_row
from .values import BikeStatus, TicketAction, TicketStatus


def no_ticket(ticket_id: object) -> Callable[[], NotFound]:
    """The 404 of a ticket id that names none."""
    return lambda: NotFound(f"No ticket with id {ticket_id}.", field="ticket_id")


def lock_ticket(tx: Tx, actor_id: int | None, ticket_id: int, permission: Permission) -> TicketRow:
    """The ticket, locked, as the use case's first statement: the caller is admitted for
    ``permission`` (401, 403), then a missing ticket is a 404."""
    found = tx.lock(
        ticket_sql.LOCK,
        {"ticket_id": ticket_id},
        actor=actor_id,
        permission=permission,
        missing=no_ticket(ticket_id),
    )
    return ticket_row(found)


def check_expected(ticket: TicketRow, expected_status: str | None) -> None:
    """``expected_status`` is the status the caller showed the user: if the ticket has
    moved on since (another terminal acted first), nothing is done and the error says so."""
    if expected_status is not None and ticket.status != expected_status:
        raise TransitionNotAllowed(
            f"Ticket #{ticket.id} is {ticket.status} now, no longer {expected_status}; "
            "someone acted on it first, so nothing was changed.",
            field="status",
            code="status_changed",
        )


def require_worker(actor: Actor, ticket: TicketRow) -> None:
    """Work on a ticket is for its assigned technician (a super admin may act for them)."""
    require(actor.role_slugs, Permission.WORK)
    if may_work_on(actor.role_slugs, is_assigned_technician=ticket.technician_id == actor.id):
        return
    if ticket.technician_id is None:
        raise PermissionDenied(
            f"Ticket {ticket.id} has no technician yet; a manager must assign it first."
        )
    raise PermissionDenied(
        f"Ticket {ticket.id} is assigned to another technician; only they can work on it."
    )


def record_transition(
    tx: Tx,
    ticket: TicketRow,
    action: TicketAction,
    to_status: TicketStatus,
    actor_id: int,
    *,
    note: str = "",
    metadata: dict[str, Any] | None = None,
) -> TicketRow:
    """Move ``ticket`` to ``to_status`` and append the audit row for it; the ticket as saved."""
    meta = metadata or {}
    tx.insert(
        TicketTransition,
        {
            "ticket_id": ticket.id,
            "from_status": None if action is TicketAction.CREATED else ticket.status,
            "to_status": to_status.value,
            "action": action.value,
            "actor_id": actor_id,
            "note": note,
            "metadata": meta,
            "created_at": tx.now,
        },
    )
    facts = rollups.facts_after(action, ticket.qc_fail_count, note, meta)
    return tx.save(ticket, status=to_status.value, updated_at=tx.now, **facts)


def start_ticket_in_tx(tx: Tx, actor: Actor, ticket: TicketRow, busy: int | None) -> TicketRow:
    """assigned/rework -> in_progress; the bike goes into service.

    ``busy``: another ticket of the technician's in progress (``sql.tickets.LOCK_TO_START``).
    """
    to_status = next_ticket_status(TicketAction.STARTED, TicketStatus(ticket.status), ticket.id)
    require_worker(actor, ticket)
    if busy is not None:
        raise ONE_TICKET_IN_PROGRESS.refused(ticket=busy)
    was = ticket.status
    ticket = record_transition(
        tx, ticket, TicketAction.STARTED, to_status, actor.id, metadata={"was": was}
    )
    ticket = tx.save(ticket, started_at=ticket.started_at or tx.now)
    set_bike_status(tx, ticket.bike_id, BikeStatus.IN_SERVICE)
    return ticket


def set_bike_status(tx: Tx, bike_id: int, status: BikeStatus) -> None:
    """Move the ticket's bike to ``status`` (one UPDATE; the bike need not be read)."""
    tx.update(Bike, bike_id, status=status.value, updated_at=tx.now)
