"""The workflow steps the ticket and timer use cases share (inside their transaction).

Both :mod:`.tickets` and :mod:`.work_sessions` import these; neither imports the
other's internals back, so there is no import cycle between them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.util import identity_key

from . import rollups
from .errors import NotFound, PermissionDenied, RuleViolation, TransitionNotAllowed
from .models import Bike, Ticket, TicketTransition, User
from .rules import Permission, may_work_on, next_ticket_status, require
from .shop import Tx
from .values import BikeStatus, TicketAction, TicketStatus

# A ticket's reply names its bike and people: loaded with the statement that locks it.
TICKET_PEOPLE = (
    joinedload(Ticket.bike),
    joinedload(Ticket.master),
    joinedload(Ticket.technician),
)


def lock_ticket(
    tx: Tx, ticket_id: int, expected_status: str | None = None, *, for_reply: bool = False
) -> Ticket:
    """The ticket, locked for the rest of the transaction (PostgreSQL; SQLite locks it all).

    ``expected_status`` is the status the caller showed the user: if the ticket has
    moved on since (another terminal acted first), nothing is done and the error says so.
    ``for_reply``: its bike, master and technician come in the same statement (outer
    joined, and only the ticket's row is locked), for a reply that names them.
    """
    stmt = select(Ticket).where(Ticket.id == ticket_id).with_for_update(of=Ticket)
    if for_reply:
        stmt = stmt.options(*TICKET_PEOPLE)
    return _checked(tx.session.scalar(stmt), ticket_id, expected_status)


def lock_ticket_to_start(
    tx: Tx, ticket_id: int, *, for_reply: bool = False
) -> tuple[Ticket, int | None]:
    """:func:`lock_ticket`, and another ticket its technician has in progress, if any,
    asked in the same statement.

    That one is read with the lock's request, so it can miss a ticket started by
    whoever held the lock first; the one-in-progress index then refuses the start,
    and the retry (see :func:`writes`) reads it and names it. ``for_reply`` as there.
    """
    other = aliased(Ticket)
    busy = (
        select(other.id)
        .where(
            other.technician_id == Ticket.technician_id,
            other.status == TicketStatus.IN_PROGRESS,
            other.id != Ticket.id,
        )
        .limit(1)
        .scalar_subquery()
    )
    stmt = select(Ticket, busy).where(Ticket.id == ticket_id).with_for_update(of=Ticket)
    if for_reply:
        stmt = stmt.options(*TICKET_PEOPLE)
    row = tx.session.execute(stmt).one_or_none()
    ticket = _checked(None if row is None else row[0], ticket_id, None)
    return ticket, None if row is None else row[1]


def lock_ticket_with_user(
    tx: Tx, ticket_id: int, user_id: int, expected_status: str | None = None
) -> tuple[Ticket, User | None]:
    """:func:`lock_ticket` (``for_reply``), and the user ``user_id`` with their roles (if
    there is one), asked in the same statement, so read with the lock's request."""
    stmt = (
        select(Ticket, User)
        .outerjoin(User, User.id == user_id)
        .options(joinedload(User.role_links), *TICKET_PEOPLE)
        .where(Ticket.id == ticket_id)
        .with_for_update(of=Ticket)
    )
    row = tx.session.execute(stmt).unique().one_or_none()
    ticket = _checked(None if row is None else row[0], ticket_id, expected_status)
    return ticket, None if row is None else row[1]


def _checked(ticket: Ticket | None, ticket_id: int, expected_status: str | None) -> Ticket:
    if ticket is None:
        raise NotFound(f"No ticket with id {ticket_id}.", field="ticket_id")
    if expected_status is not None and ticket.status != expected_status:
        raise TransitionNotAllowed(
            f"Ticket #{ticket.id} is {ticket.status} now, no longer {expected_status}; "
            "someone acted on it first, so nothing was changed.",
            field="status",
            code="status_changed",
        )
    return ticket


def require_worker(actor: User, ticket: Ticket) -> None:
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
    ticket: Ticket,
    action: TicketAction,
    to_status: TicketStatus,
    actor: User,
    *,
    note: str = "",
    metadata: dict[str, Any] | None = None,
) -> TicketTransition:
    """Move ``ticket`` to ``to_status`` and append the audit row for it."""
    row = TicketTransition(
        ticket_id=ticket.id,
        from_status=None if action is TicketAction.CREATED else ticket.status,
        to_status=to_status.value,
        action=action.value,
        actor_id=actor.id,
        note=note,
        meta=metadata or {},
        created_at=tx.now,
    )
    rollups.on_transition(tx, ticket, action, note, row.meta)
    ticket.status = to_status.value
    ticket.updated_at = tx.now
    tx.session.add(row)
    return row


def start_ticket_in_tx(tx: Tx, actor: User, ticket: Ticket, busy: int | None) -> None:
    """assigned/rework -> in_progress; the bike goes into service.

    ``busy``: another ticket of the technician's in progress (:func:`lock_ticket_to_start`).
    """
    to_status = next_ticket_status(TicketAction.STARTED, TicketStatus(ticket.status), ticket.id)
    require_worker(actor, ticket)
    if busy is not None:
        raise RuleViolation(
            f"The technician already has ticket #{busy} in progress; "
            "send it to QC before starting another.",
            field="technician",
            code="technician_busy",
        )
    was = ticket.status
    record_transition(tx, ticket, TicketAction.STARTED, to_status, actor, metadata={"was": was})
    ticket.started_at = ticket.started_at or tx.now
    set_bike_status(tx, ticket.bike_id, BikeStatus.IN_SERVICE)


def set_bike_status(tx: Tx, bike_id: int, status: BikeStatus) -> None:
    """Move the ticket's bike to ``status`` (one UPDATE; the bike need not be loaded)."""
    loaded = tx.session.identity_map.get(identity_key(Bike, bike_id))
    if isinstance(loaded, Bike):
        # Already in the session (a reply names it): the flush writes it with the rest.
        loaded.status = status.value
        loaded.updated_at = tx.now
        return
    # Not loaded, so there is nothing in the session to keep in step: a plain UPDATE,
    # without the ORM working out which loaded objects it touches.
    tx.session.execute(
        update(Bike).where(Bike.id == bike_id).values(status=status.value, updated_at=tx.now),
        execution_options={"synchronize_session": False},
    )
