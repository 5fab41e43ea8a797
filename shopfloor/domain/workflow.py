"""The workflow steps the ticket and timer use cases share (inside their transaction).

Both :mod:`.tickets` and :mod:`.work_sessions` import these; neither imports the
other's internals back, so there is no import cycle between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Select,
    bindparam,
    select,
)
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from . import rollups
from .batch import insert_later, update_later
from .errors import NotFound, PermissionDenied, RuleViolation, TransitionNotAllowed
from .models import Bike, Ticket, TicketTransition, User
from .rules import Permission, may_work_on, next_ticket_status, require
from .shop import Tx, with_caller
from .values import BikeStatus, TicketAction, TicketStatus

# A ticket's reply names its bike and people: loaded with the statement that locks it.
TICKET_PEOPLE = (
    joinedload(Ticket.bike),
    joinedload(Ticket.master),
    joinedload(Ticket.technician),
)


# The locking reads are built once (bound by the ticket's id): SQLAlchemy then
# compiles each one once and reuses its cache key, instead of rebuilding a statement
# per request.
_TICKET_ID: BindParameter[int] = bindparam("ticket_id")
_LOCK = select(Ticket).where(Ticket.id == _TICKET_ID).with_for_update(of=Ticket)
_LOCK_FOR_REPLY = _LOCK.options(*TICKET_PEOPLE)
_other = aliased(Ticket)
_BUSY = (
    select(_other.id)
    .where(
        _other.technician_id == Ticket.technician_id,
        _other.status == TicketStatus.IN_PROGRESS,
        _other.id != Ticket.id,
    )
    .limit(1)
    .scalar_subquery()
)
_LOCK_TO_START = select(Ticket, _BUSY).where(Ticket.id == _TICKET_ID).with_for_update(of=Ticket)
_LOCK_TO_START_FOR_REPLY = _LOCK_TO_START.options(*TICKET_PEOPLE)
_LOCK_WITH_USER = (
    select(Ticket, User)
    .outerjoin_from(Ticket, User, User.id == bindparam("user_id"))
    .options(joinedload(User.role_links), *TICKET_PEOPLE)
    .where(Ticket.id == _TICKET_ID)
    .with_for_update(of=Ticket)
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
    stmt = _LOCK_FOR_REPLY if for_reply else _LOCK
    ticket = tx.session.scalar(stmt, {"ticket_id": ticket_id})
    return _checked(ticket, ticket_id, expected_status)


def lock_ticket_to_start(
    tx: Tx, ticket_id: int, *, for_reply: bool = False
) -> tuple[Ticket, int | None]:
    """:func:`lock_ticket`, and another ticket its technician has in progress, if any,
    asked in the same statement.

    That one is read with the lock's request, so it can miss a ticket started by
    whoever held the lock first; the one-in-progress index then refuses the start,
    and the retry (see :func:`writes`) reads it and names it. ``for_reply`` as there.
    """
    stmt = _LOCK_TO_START_FOR_REPLY if for_reply else _LOCK_TO_START
    row = tx.session.execute(stmt, {"ticket_id": ticket_id}).one_or_none()
    ticket = _checked(None if row is None else row[0], ticket_id, None)
    return ticket, None if row is None else row[1]


def lock_ticket_with_user(
    tx: Tx, ticket_id: int, user_id: int, expected_status: str | None = None
) -> tuple[Ticket, User | None]:
    """:func:`lock_ticket` (``for_reply``), and the user ``user_id`` with their roles (if
    there is one), asked in the same statement, so read with the lock's request."""
    params = {"ticket_id": ticket_id, "user_id": user_id}
    row = tx.session.execute(_LOCK_WITH_USER, params).unique().one_or_none()
    ticket = _checked(None if row is None else row[0], ticket_id, expected_status)
    return ticket, None if row is None else row[1]


@dataclass(frozen=True)
class Acting:
    """Who acts on which locked ticket (see :func:`act_on_ticket`)."""

    actor: User
    ticket: Ticket
    busy: int | None = None  # to_start: another ticket of its technician's in progress
    user: User | None = None  # user_id: that user, with roles (None: no such user)


@cache
def _acting_lock(for_reply: bool, to_start: bool, with_user: bool) -> Select[Any]:
    """The locking statement of :func:`act_on_ticket` for one combination, built once."""
    base: Any
    if with_user:
        base = _LOCK_WITH_USER
    elif to_start:
        base = _LOCK_TO_START_FOR_REPLY if for_reply else _LOCK_TO_START
    else:
        base = _LOCK_FOR_REPLY if for_reply else _LOCK
    return with_caller(base, Ticket)


def act_on_ticket(
    tx: Tx,
    actor_id: int,
    permission: Permission,
    ticket_id: int,
    expected_status: str | None = None,
    *,
    for_reply: bool = False,
    to_start: bool = False,
    user_id: int | None = None,
) -> Acting:
    """The actor, allowed ``permission``, and the ticket, locked: :func:`lock_ticket`,
    :func:`lock_ticket_to_start` (``to_start``) or :func:`lock_ticket_with_user`
    (``user_id``) after :meth:`Tx.actor`.

    In a use case declared ``@writes(folds_caller=True)`` the request's caller is
    checked by the locking statement itself (one statement fewer); refusals come in
    the same order either way: the caller, the permission, then the ticket.
    """
    folded = tx.caller_to_fold()
    if folded is not None and folded.caller.user_id == actor_id:
        stmt = _acting_lock(for_reply or user_id is not None, to_start, user_id is not None)
        found = tx.run_folded(folded, stmt, {"ticket_id": ticket_id, "user_id": user_id})
        if found is not None:
            actor = tx.actor(actor_id)
            require(actor.role_slugs, permission)
            ticket = _checked(found[0], ticket_id, expected_status)
            if user_id is not None:
                return Acting(actor, ticket, user=found[1])
            return Acting(actor, ticket, busy=found[1] if to_start else None)
        # No such ticket (the caller was checked on their own): refused as below.
    actor = tx.actor(actor_id)
    require(actor.role_slugs, permission)
    if user_id is not None:
        ticket, user = lock_ticket_with_user(tx, ticket_id, user_id, expected_status)
        return Acting(actor, ticket, user=user)
    if to_start:
        ticket, busy = lock_ticket_to_start(tx, ticket_id, for_reply=for_reply)
        return Acting(actor, ticket, busy=busy)
    return Acting(actor, lock_ticket(tx, ticket_id, expected_status, for_reply=for_reply))


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


# Append-only rows and plain status changes are Core statements, not ORM objects:
# they go out with the step's other writes (see :mod:`.batch`).


def record_transition(
    tx: Tx,
    ticket: Ticket,
    action: TicketAction,
    to_status: TicketStatus,
    actor: User,
    *,
    note: str = "",
    metadata: dict[str, Any] | None = None,
) -> None:
    """Move ``ticket`` to ``to_status`` and append the audit row for it."""
    meta = metadata or {}
    rollups.on_transition(tx, ticket, action, note, meta)
    insert_later(
        tx.session,
        TicketTransition,
        {
            "ticket_id": ticket.id,
            "from_status": None if action is TicketAction.CREATED else ticket.status,
            "to_status": to_status.value,
            "action": action.value,
            "actor_id": actor.id,
            "note": note,
            "metadata": meta,
            "created_at": tx.now,
        },
    )
    ticket.status = to_status.value
    ticket.updated_at = tx.now


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
    update_later(tx.session, Bike, bike_id, status=status.value, updated_at=tx.now)
    loaded = tx.session.identity_map.get(identity_key(Bike, bike_id))
    if isinstance(loaded, Bike):
        # Loaded for a reply: it shows what was written, and has nothing left to flush.
        set_committed_value(loaded, "status", status.value)
        set_committed_value(loaded, "updated_at", tx.now)
