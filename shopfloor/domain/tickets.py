"""Tickets: intake, assignment, start, QC, and how they are read back.

Each public function is one use case in one transaction; a state change, its
transition row and its side effects (bike status, XP, a stopped timer) commit
together or not at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    ScalarSelect,
    Select,
    String,
    bindparam,
    func,
    literal,
    select,
    true,
)

from . import rollups
from .batch import insert_later, insert_row
from .bikes import (
    MIN_QUERY_LENGTH,
    closest_codes,
    new_bike,
    normalise_bike_code,
    valid_bike_code_or_none,
    validate_bike_code,
)
from .checklists import readable_checklist, validate_checklist
from .errors import (
    NotFound,
    PermissionDenied,
    RuleViolation,
    ValidationFailed,
)
from .models import (
    Bike,
    Ticket,
    TicketStatusCount,
    TicketTransition,
    User,
    WorkSession,
    WorkshopRules,
    XpEntry,
    full_name,
)
from .paging import PageQuery
from .rules import PARK_DEFAULT_REASON, Permission, next_ticket_status, require
from .shop import CallerShape, Tx, caller_row, reads, with_caller, writes
from .text import clean_text
from .values import (
    BikeStatus,
    Role,
    StopCause,
    TicketAction,
    TicketStatus,
    XpEntryType,
)
from .views import Page, TicketView, TransitionView
from .work_sessions import close_open_session, reason_metadata, validate_pause_reason
from .workflow import (
    act_on_ticket,
    record_transition,
    require_worker,
    set_bike_status,
    start_ticket_in_tx,
)

MAX_TITLE = 200
MAX_SRT_MINUTES = 100_000
MAX_NOTE = 2000


# --- validation -------------------------------------------------------------------------------


def validate_srt(minutes: Any) -> int:
    field = "srt_total_minutes"
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValidationFailed("srt_total_minutes must be a whole number of minutes.", field=field)
    if minutes <= 0:
        raise ValidationFailed("srt_total_minutes must be more than 0 minutes.", field=field)
    if minutes > MAX_SRT_MINUTES:
        raise ValidationFailed(
            f"srt_total_minutes must be at most {MAX_SRT_MINUTES} minutes.", field=field
        )
    return minutes


def _validate_title(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationFailed(
            "Give the ticket a title, for example 'Brake service'.", field="title"
        )
    title = " ".join(clean_text(raw, "title").split())
    if len(title) > MAX_TITLE:
        raise ValidationFailed(f"The title is longer than {MAX_TITLE} characters.", field="title")
    return title


def _validate_note(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise ValidationFailed("note must be text.", field="note")
    note = clean_text(raw, "note").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(f"The note is longer than {MAX_NOTE} characters.", field="note")
    return note


def _intake_code(tx: Tx, raw: str) -> str:
    """The valid bike code, or an error that also offers the closest known codes."""
    try:
        return validate_bike_code(raw)
    except ValidationFailed as exc:
        partial = normalise_bike_code(raw)
        suggestions = closest_codes(tx, partial) if len(partial) >= MIN_QUERY_LENGTH else []
        if not suggestions:
            raise
        raise ValidationFailed(
            f"{exc.message} Closest codes: {', '.join(suggestions)}.", field="bike_code"
        ) from None


# The statements of the workflow's steps are built once, bound by their parameters
# (see :mod:`.workflow`).
_ACTIVE_TICKET = (
    select(Ticket.id)
    .where(Ticket.bike_id == Bike.id, Ticket.status != TicketStatus.DONE)
    .limit(1)
    .scalar_subquery()
)
_BIKE_FOR_INTAKE = select(Bike, _ACTIVE_TICKET).where(Bike.bike_code == bindparam("code"))
_BIKE_FOR_INTAKE_LOCKED = _BIKE_FOR_INTAKE.with_for_update(of=Bike).execution_options(
    populate_existing=True
)


def find_bike_for_intake(tx: Tx, code: str, *, lock: bool = True) -> tuple[Bike | None, int | None]:
    """The bike with this code, locked, and its active ticket if it has one (one statement).

    The ticket is read with the lock's request, so a ticket opened by whoever held
    the lock first can be missed; the active-ticket index then refuses the insert,
    and the retry (see :func:`writes`) reads it and says so.
    """
    stmt = _BIKE_FOR_INTAKE_LOCKED if lock else _BIKE_FOR_INTAKE
    row = tx.session.execute(stmt, {"code": code}).one_or_none()
    return (None, None) if row is None else (row[0], row[1])


@cache
def _bike_for_intake_with_caller() -> Select[Any]:
    return with_caller(_BIKE_FOR_INTAKE_LOCKED, Bike)


def _bike_for_intake_as_caller(
    tx: Tx, actor_id: int, raw_code: Any
) -> tuple[Bike | None, int | None] | None:
    """:func:`find_bike_for_intake`, read by the statement that checks the request's caller
    (see :func:`act_on_ticket`); ``None`` when there is no caller to fold or the code is
    not valid (the use case then asks on its own)."""
    folded = tx.caller_to_fold()
    code = valid_bike_code_or_none(raw_code)
    if folded is None or folded.caller.user_id != actor_id or code is None:
        return None
    found = tx.run_folded(folded, _bike_for_intake_with_caller(), {"code": code})
    return (None, None) if found is None else (found[0], found[1])


# --- use cases --------------------------------------------------------------------------------


@writes(folds_caller=True)
def create_ticket(
    tx: Tx,
    actor_id: int,
    *,
    bike_code: str,
    title: str,
    checklist: Sequence[Any],
    srt_total_minutes: int,
    approve_srt: bool,
    confirm_create_bike: bool = False,
    bike_creation_reason: str | None = None,
) -> TicketView:
    """Take a bike in: a new ticket with an approved SRT and its ``created`` transition."""
    # The bike is locked first, by the statement that also checks the caller (a code
    # that is not valid gets its error below, after the caller and the permission).
    found = _bike_for_intake_as_caller(tx, actor_id, bike_code)
    actor = tx.actor(actor_id)
    require(actor.role_slugs, Permission.CREATE_TICKET)
    rules = tx.rules()
    code = _intake_code(tx, bike_code)
    title = _validate_title(title)
    items = validate_checklist(checklist, rules.checklist_min_items)
    srt = validate_srt(srt_total_minutes)
    if approve_srt is not True:
        raise ValidationFailed(
            "The SRT must be approved: confirm the standard repair time (approve_srt = true).",
            field="approve_srt",
        )
    reason = clean_text(bike_creation_reason or "", "bike_creation_reason").strip()
    bike, existing = find_bike_for_intake(tx, code) if found is None else found
    created_bike = False
    if bike is None:
        if not confirm_create_bike:
            suggestions = closest_codes(tx, code)
            hint = (
                f" Closest codes: {', '.join(suggestions)}." if suggestions else " No close codes."
            )
            raise ValidationFailed(
                f"Bike {code} is not in the fleet.{hint} Check the code, or confirm creating "
                "the bike (confirm_create_bike) and give a bike_creation_reason.",
                field="bike_code",
                code="unknown_bike",
            )
        if not reason:
            raise ValidationFailed(
                f"Say why bike {code} is being added to the fleet (bike_creation_reason).",
                field="bike_creation_reason",
            )
        bike = new_bike(tx, code)
        created_bike = True
    elif not bike.is_active:
        raise ValidationFailed(
            f"Bike {code} is archived; restore it first, then take it in (it is never re-created).",
            field="bike_code",
            code="bike_archived",
        )
    elif existing is not None:
        raise RuleViolation(
            f"Bike {code} already has active ticket #{existing}; finish it before opening another.",
            field="bike_code",
            code="active_ticket_exists",
        )
    ticket = insert_row(
        tx.session,
        Ticket,
        {
            "bike_id": bike.id,
            "master_id": actor.id,
            "technician_id": None,
            "title": title,
            "checklist_snapshot": items,
            "srt_total_minutes": srt,
            "srt_approved_by_id": actor.id,
            "srt_approved_at": tx.now,
            "flag_minutes": 0,
            "status": TicketStatus.NEW.value,
            "created_at": tx.now,
            "updated_at": tx.now,
        },
    )
    record_transition(
        tx,
        ticket,
        TicketAction.CREATED,
        TicketStatus.NEW,
        actor,
        metadata={
            "bike_code": code,
            "bike_created_during_intake": created_bike,
            "bike_creation_reason": reason if created_bike else None,
            "checklist_items_count": len(items),
            "srt_total_minutes": srt,
            "srt_approved": True,
        },
    )
    return ticket_view_in_tx(tx, ticket)


@writes(folds_caller=True)
def assign_ticket(
    tx: Tx,
    actor_id: int,
    ticket_id: int,
    technician_id: int,
    *,
    expected_status: str | None = None,
) -> TicketView:
    """Give the ticket to a technician (new, assigned or rework).

    ``expected_status``: refuse if the ticket is no longer in the status the user saw.
    """
    is_id = isinstance(technician_id, int) and not isinstance(technician_id, bool)
    acting = act_on_ticket(
        tx,
        actor_id,
        Permission.ASSIGN,
        ticket_id,
        expected_status,
        user_id=technician_id if is_id else None,
    )
    actor, ticket, technician = acting.actor, acting.ticket, acting.user
    to_status = next_ticket_status(TicketAction.ASSIGNED, TicketStatus(ticket.status), ticket.id)
    if not is_id:
        raise ValidationFailed("technician_id must be a user id.", field="technician_id")
    if technician is None:
        raise ValidationFailed(f"No user with id {technician_id}.", field="technician_id")
    if not technician.is_active:
        raise ValidationFailed(
            f"{technician.username} is deactivated; choose an active technician.",
            field="technician_id",
        )
    if Role.TECHNICIAN not in technician.role_slugs:
        raise ValidationFailed(
            f"{technician.username} is not a technician; choose a user with the technician role.",
            field="technician_id",
        )
    previous = ticket.technician_id
    if previous == technician.id:
        # Nothing would change; an audit row for it would only hide the real history.
        raise RuleViolation(
            f"Ticket #{ticket.id} is already assigned to {_full_name(technician)}; "
            "nothing changed. Choose another technician to reassign it.",
            field="technician_id",
            code="already_assigned",
        )
    record_transition(
        tx,
        ticket,
        TicketAction.ASSIGNED,
        to_status,
        actor,
        metadata={"technician_id": technician.id, "previous_technician_id": previous},
    )
    ticket.technician_id = technician.id
    ticket.assigned_at = tx.now
    return ticket_view_in_tx(tx, ticket)


@writes(folds_caller=True)
def start_ticket(tx: Tx, actor_id: int, ticket_id: int) -> TicketView:
    """assigned/rework -> in_progress, by the assigned technician."""
    acting = act_on_ticket(tx, actor_id, Permission.WORK, ticket_id, for_reply=True, to_start=True)
    start_ticket_in_tx(tx, acting.actor, acting.ticket, acting.busy)
    ticket = acting.ticket
    return ticket_view_in_tx(tx, ticket)


@writes(folds_caller=True)
def send_to_qc(tx: Tx, actor_id: int, ticket_id: int) -> TicketView:
    """in_progress -> waiting_qc; an open timer is stopped in the same transaction."""

    acting = act_on_ticket(tx, actor_id, Permission.WORK, ticket_id, for_reply=True)
    actor, ticket = acting.actor, acting.ticket
    to_status = next_ticket_status(
        TicketAction.TO_WAITING_QC, TicketStatus(ticket.status), ticket.id
    )
    require_worker(actor, ticket)
    stopped = close_open_session(tx, actor, ticket, reason=StopCause.SENT_TO_QC.value)
    record_transition(
        tx,
        ticket,
        TicketAction.TO_WAITING_QC,
        to_status,
        actor,
        metadata={"stopped_work_session_id": stopped.id if stopped else None},
    )
    return ticket_view_in_tx(tx, ticket)


def _full_name(user: User) -> str:
    return " ".join(p for p in (user.first_name, user.last_name) if p) or user.username


@cache
def _inspection(self_inspection_allowed: bool, references: int) -> Select[Any]:
    """Whether the actor worked on the ticket (never, when the shop allows self-inspection),
    its QC fails so far, and whether each of ``references`` was paid: built once per shape."""
    fails = (
        select(func.count())
        .select_from(TicketTransition)
        .where(
            TicketTransition.ticket_id == bindparam("ticket_id"),
            TicketTransition.action == TicketAction.QC_FAIL,
        )
        .scalar_subquery()
    )
    worked: ColumnElement[bool] = (
        literal(False)
        if self_inspection_allowed
        else select(WorkSession.id)
        .where(
            WorkSession.ticket_id == bindparam("ticket_id"),
            WorkSession.technician_id == bindparam("actor_id"),
        )
        .exists()
    )
    paid = [
        select(XpEntry.id).where(XpEntry.reference == bindparam(f"reference_{i}")).exists()
        for i in range(references)
    ]
    return select(worked, fails, *paid)


def refuse_self_inspection(
    tx: Tx, actor: User, ticket: Ticket, references: Sequence[str] = ()
) -> tuple[int, set[str]]:
    """QC is a second pair of eyes: whoever worked on a ticket may not judge it.

    Any work session of the actor's on the ticket counts (a rework by someone else
    does not wash it out). A one-person shop switches this off in its rules.
    In the same statement: how often the ticket failed QC so far, and which of the
    XP ``references`` have been paid already.
    """
    stmt = _inspection(tx.rules().allow_self_inspection, len(references))
    params: dict[str, Any] = {"ticket_id": ticket.id, "actor_id": actor.id}
    params.update((f"reference_{i}", r) for i, r in enumerate(references))
    by_actor, failures, *found = tx.session.execute(stmt, params).one()
    if by_actor:
        raise PermissionDenied(
            f"You worked on ticket #{ticket.id}, so you may not pass or fail its QC; "
            "another inspector must check it.",
            field="ticket_id",
            code="self_inspection",
        )
    return int(failures), {r for r, yes in zip(references, found, strict=True) if yes}


@writes
def set_self_inspection(tx: Tx, actor_id: int | None, allowed: bool) -> bool:
    """Switch the self-inspection rule (super admins, or the local operator at the CLI)."""
    tx.authorise(actor_id, Permission.EDIT_RULES)
    if not isinstance(allowed, bool):
        raise ValidationFailed("allowed must be true or false.", field="allow_self_inspection")
    row = tx.session.get(WorkshopRules, 1)
    if row is None:
        row = WorkshopRules(id=1)
        tx.session.add(row)
    row.allow_self_inspection = allowed
    tx.forget_rules()
    return allowed


@writes(folds_caller=True)
def park_ticket(
    tx: Tx, actor_id: int, ticket_id: int, reason: str | None = None, note: str | None = None
) -> TicketView:
    """in_progress -> assigned to the same technician, on hold (by default waiting for parts).

    Its timer stops with the reason on the stop event, which frees the technician
    to start another bike; starting this one later is the ordinary start.
    """

    acting = act_on_ticket(tx, actor_id, Permission.WORK, ticket_id, for_reply=True)
    actor, ticket = acting.actor, acting.ticket
    to_status = next_ticket_status(TicketAction.PARKED, TicketStatus(ticket.status), ticket.id)
    require_worker(actor, ticket)
    rules = tx.rules()
    # A shop that renamed "waiting for parts" parks with its first reason by default.
    default = (
        PARK_DEFAULT_REASON
        if rules.pause_reason(PARK_DEFAULT_REASON)
        else rules.pause_reasons[0].code
    )
    why, text = validate_pause_reason(rules, reason, note, default=default)
    details = reason_metadata(why, text)
    stopped = close_open_session(
        tx, actor, ticket, reason=why.code, details={**details, "cause": StopCause.PARKED.value}
    )
    record_transition(
        tx,
        ticket,
        TicketAction.PARKED,
        to_status,
        actor,
        note=text,
        metadata={
            **details,
            "technician_id": ticket.technician_id,
            "stopped_work_session_id": stopped.id if stopped else None,
        },
    )
    return ticket_view_in_tx(tx, ticket)


@writes(folds_caller=True)
def qc_pass(
    tx: Tx,
    actor_id: int,
    ticket_id: int,
    note: str | None = None,
    *,
    expected_status: str | None = None,
) -> TicketView:
    """waiting_qc -> done: the bike is ready and the technician earns XP.

    ``expected_status``: refuse if the ticket is no longer in the status the user saw.
    """
    acting = act_on_ticket(tx, actor_id, Permission.QC, ticket_id, expected_status, for_reply=True)
    actor, ticket = acting.actor, acting.ticket
    to_status = next_ticket_status(TicketAction.QC_PASS, TicketStatus(ticket.status), ticket.id)
    references = [_xp_reference(kind, ticket) for kind in XP_FOR_QC_PASS]
    failures, already_paid = refuse_self_inspection(tx, actor, ticket, references)
    text = _validate_note(note)
    rules = tx.rules()
    first_pass = failures == 0
    base = math.ceil(ticket.srt_total_minutes / rules.xp_srt_divisor)
    bonus = rules.xp_first_pass_bonus if first_pass else 0
    assert ticket.technician_id is not None  # waiting_qc is only reached by an assigned ticket
    earned = [(XpEntryType.TICKET_BASE_XP, base, "Base XP for ticket")]
    if bonus:
        earned.append((XpEntryType.TICKET_QC_FIRST_PASS_BONUS, bonus, "First-pass QC bonus for"))
    paid = _pay_xp(tx, ticket, earned, already_paid)
    record_transition(
        tx,
        ticket,
        TicketAction.QC_PASS,
        to_status,
        actor,
        note=text,
        metadata={"first_pass": first_pass, "xp_base": base, "xp_bonus": bonus, "xp_paid": paid},
    )
    ticket.done_at = tx.now
    ticket.flag_minutes = ticket.srt_total_minutes
    set_bike_status(tx, ticket.bike_id, BikeStatus.READY)
    return ticket_view_in_tx(tx, ticket)


# What a QC pass may pay: the base XP and the first-pass bonus, each once per ticket.
XP_FOR_QC_PASS = (XpEntryType.TICKET_BASE_XP, XpEntryType.TICKET_QC_FIRST_PASS_BONUS)


def _xp_reference(kind: XpEntryType, ticket: Ticket) -> str:
    return f"{kind.value}:{ticket.id}"


def _pay_xp(
    tx: Tx,
    ticket: Ticket,
    earned: Sequence[tuple[XpEntryType, int, str]],
    already_paid: set[str],
) -> int:
    """Append the XP entries (kind, amount, description) whose reference is not among
    those paid already; the amount paid."""
    assert ticket.technician_id is not None
    rows: list[dict[str, Any]] = []
    paid = 0
    for kind, amount, what in earned:
        reference = _xp_reference(kind, ticket)
        if reference in already_paid:
            continue
        rows.append(
            {
                "user_id": ticket.technician_id,
                "amount": amount,
                "entry_type": kind.value,
                "reference": reference,
                "description": f"{what} #{ticket.id}: {ticket.title}",
                "payload": {"ticket_id": ticket.id, "srt_total_minutes": ticket.srt_total_minutes},
                "created_at": tx.now,
            }
        )
        rollups.on_xp(tx, ticket.technician_id, amount)
        paid += amount
    if rows:
        # Base and bonus in one multi-row INSERT (not an executemany, which the server
        # runs row by row), sent with the step's other writes; no ids are needed back.
        insert_later(tx.session, XpEntry, *rows)
    return paid


@writes(folds_caller=True)
def qc_fail(tx: Tx, actor_id: int, ticket_id: int, note: str | None = None) -> TicketView:
    """waiting_qc -> rework, with an optional note for the technician."""
    acting = act_on_ticket(tx, actor_id, Permission.QC, ticket_id, for_reply=True)
    actor, ticket = acting.actor, acting.ticket
    to_status = next_ticket_status(TicketAction.QC_FAIL, TicketStatus(ticket.status), ticket.id)
    refuse_self_inspection(tx, actor, ticket)
    record_transition(tx, ticket, TicketAction.QC_FAIL, to_status, actor, note=_validate_note(note))
    return ticket_view_in_tx(tx, ticket)


# --- reading ----------------------------------------------------------------------------------


def _running_seconds(running_since: datetime | None, now: datetime) -> int:
    if running_since is None:
        return 0
    return int(now.timestamp()) - int(running_since.timestamp())


def _view(
    t: Mapping[Any, Any],
    bike_code: str,
    master_name: str,
    technician_name: str | None,
    now: datetime,
) -> TicketView:
    """A ticket's view from its columns by name (a row of :data:`_LIST_COLUMNS`, or an ORM
    ticket's :func:`_columns`) and its people's names: every other fact is kept on the row."""
    status = t["status"]
    fails = t["qc_fail_count"] or 0
    return TicketView(
        id=t["id"],
        bike=t["bike_id"],
        bike_code=bike_code,
        master=t["master_id"],
        master_name=master_name,
        technician=t["technician_id"],
        technician_name=technician_name,
        title=t["title"],
        checklist_snapshot=readable_checklist(t["checklist_snapshot"]),
        srt_total_minutes=t["srt_total_minutes"],
        srt_approved_by=t["srt_approved_by_id"],
        srt_approved_at=t["srt_approved_at"],
        flag_minutes=t["flag_minutes"],
        status=status,
        assigned_at=t["assigned_at"],
        started_at=t["started_at"],
        done_at=t["done_at"],
        created_at=t["created_at"],
        updated_at=t["updated_at"],
        worked_seconds=(t["worked_seconds"] or 0) + _running_seconds(t["running_since"], now),
        qc_fail_count=fails,
        parked_reason=t["parked_reason"] if status == TicketStatus.ASSIGNED else None,
        latest_qc_note=(t["latest_qc_note"] or "") if fails else "",
    )


_TICKET_COLUMNS = tuple(c.key for c in Ticket.__table__.c)


def _columns(ticket: Ticket) -> dict[str, Any]:
    """An ORM ticket's column values by name, as :func:`_view` reads them."""
    return {name: getattr(ticket, name) for name in _TICKET_COLUMNS}


def _name_of(user: User | None) -> str | None:
    return user.full_name if user is not None else None


# The reads use plain rows (SQLAlchemy Core): the ticket's columns and its people's
# names, without building an ORM object per ticket and person. Each statement is built
# once per shape (below) with bound parameters, so a request neither builds nor
# compiles one: the compiled form is cached on the statement's (memoised) cache key.
_tickets = Ticket.__table__
_bikes = Bike.__table__
_master = User.__table__.alias("master")
_technician = User.__table__.alias("technician")
_LIST_COLUMNS = (
    *_tickets.c,
    _bikes.c.bike_code.label("bike_code"),
    _master.c.username.label("master_username"),
    _master.c.first_name.label("master_first_name"),
    _master.c.last_name.label("master_last_name"),
    _technician.c.username.label("technician_username"),
    _technician.c.first_name.label("technician_first_name"),
    _technician.c.last_name.label("technician_last_name"),
)
_LIST_FROM = (
    _tickets.join(_bikes, _bikes.c.id == _tickets.c.bike_id)
    .join(_master, _master.c.id == _tickets.c.master_id)
    .outerjoin(_technician, _technician.c.id == _tickets.c.technician_id)
)


def _row_view(row: Row[Any], now: datetime, names: dict[int, str] | None = None) -> TicketView:
    """A view from a row of :data:`_LIST_COLUMNS`; ``names``: people named already (a page
    names the same few people again and again)."""
    # By name through the row's mapping: several times quicker than a row's attributes.
    t = row._mapping
    names = {} if names is None else names
    master = names.get(t["master_id"])
    if master is None:
        master = names[t["master_id"]] = full_name(
            t["master_first_name"], t["master_last_name"], t["master_username"]
        )
    technician_id = t["technician_id"]
    technician = None if technician_id is None else names.get(technician_id)
    if technician_id is not None and technician is None:
        technician = names[technician_id] = full_name(
            t["technician_first_name"], t["technician_last_name"], t["technician_username"]
        )
    return _view(t, t["bike_code"], master, technician, now)


def ticket_view_in_tx(tx: Tx, ticket: Ticket) -> TicketView:
    """The reply of a write, from what the transaction holds (people by primary key,
    from the identity map when the use case loaded them already)."""
    get = tx.session.get_one
    bike = get(Bike, ticket.bike_id)
    master = get(User, ticket.master_id)
    technician = get(User, ticket.technician_id) if ticket.technician_id is not None else None
    return _view(_columns(ticket), bike.bike_code, master.full_name, _name_of(technician), tx.now)


@cache
def _detail_statement(caller: CallerShape | None) -> Select[Any]:
    """One ticket's row; with the caller's row before it (and it alone when there is
    no such ticket) when the caller is checked in the same statement."""
    ticket = (
        select(*_LIST_COLUMNS)
        .select_from(_LIST_FROM)
        .where(_tickets.c.id == bindparam("ticket_id", type_=Integer()))
    )
    if caller is None:
        return ticket
    found = ticket.subquery("ticket")
    anchor = caller_row(caller)
    return select(anchor, found).select_from(anchor.outerjoin(found, true()))


@reads(folds_caller=True, one_statement=True)
def get_ticket(tx: Tx, ticket_id: int) -> TicketView:
    """One ticket, in one statement that also checks the request's caller."""
    folded = tx.caller_to_fold()
    params: dict[str, Any] = {"ticket_id": ticket_id}
    if folded is not None:
        params.update(folded.params)
    statement = _detail_statement(folded.shape if folded is not None else None)
    row = tx.session.connection().execute(statement, params).first()
    if folded is not None:
        tx.check_folded_caller(folded, row)
    if row is None or row.id is None:
        raise NotFound(f"No ticket with id {ticket_id}.", field="ticket_id")
    return _row_view(row, tx.now)


def parse_statuses(statuses: str | Iterable[str] | None) -> list[TicketStatus]:
    if statuses is None:
        return []
    raw = statuses.split(",") if isinstance(statuses, str) else list(statuses)
    parsed: list[TicketStatus] = []
    for item in raw:
        item = item.strip().lower()
        if not item:
            continue
        try:
            parsed.append(TicketStatus(item))
        except ValueError:
            valid = ", ".join(s.value for s in TicketStatus)
            raise ValidationFailed(
                f"Unknown ticket status {item[:40]!r}; use one of: {valid}.", field="status"
            ) from None
    return parsed


def _status_count_query(statuses: Sequence[str] | None = None) -> Select[int]:
    stmt = select(func.coalesce(func.sum(TicketStatusCount.tickets), 0))
    if statuses is not None:
        stmt = stmt.where(TicketStatusCount.status.in_(list(statuses)))
    return stmt


def status_count(tx: Tx, statuses: Sequence[str] | None = None) -> int:
    """How many tickets are in ``statuses`` (all when ``None``), from the kept counters."""
    return int(tx.session.scalar(_status_count_query(statuses)) or 0)


class _ListShape(NamedTuple):
    """Which filters a list applies, its order, and the caller check it carries."""

    statuses: bool
    technician: bool
    bike: bool
    oldest_first: bool
    caller: CallerShape | None


@cache
def _list_query(shape: _ListShape) -> PageQuery:
    """The page and its total in one statement, filtered in SQL (bound parameters:
    ``statuses``, ``technician_id``, ``bike_code``)."""
    t = _tickets.c
    where: list[ColumnElement[bool]] = []
    if shape.statuses:
        where.append(t.status.in_(bindparam("statuses", type_=String(), expanding=True)))
    if shape.technician:
        where.append(t.technician_id == bindparam("technician_id", type_=Integer()))
    if shape.bike:
        code = bindparam("bike_code", type_=String())
        bike = select(_bikes.c.id).where(_bikes.c.bike_code == code).correlate(None)
        where.append(t.bike_id == bike.scalar_subquery())
    total: ScalarSelect[Any]
    if shape.technician or shape.bike:
        total = select(func.count()).select_from(_tickets).where(*where).scalar_subquery()
    else:
        # Exact and O(1): the per-status counters the database keeps with every change.
        counters = select(func.coalesce(func.sum(TicketStatusCount.tickets), 0))
        if shape.statuses:
            counted = bindparam("counted_statuses", type_=String(), expanding=True)
            counters = counters.where(TicketStatusCount.status.in_(counted))
        total = counters.scalar_subquery()
    return PageQuery.of(
        select(*_LIST_COLUMNS).select_from(_LIST_FROM).where(*where),
        total,
        order_by=("created_at", "id"),
        descending=not shape.oldest_first,
        anchor=caller_row(shape.caller) if shape.caller is not None else None,
    )


@reads(folds_caller=True, one_statement=True)
def list_tickets(
    tx: Tx,
    *,
    page: int = 1,
    per_page: int = 10,
    status: str | Iterable[str] | None = None,
    technician_id: int | None = None,
    bike_code: str | None = None,
    oldest_first: bool = False,
) -> Page[TicketView]:
    """Tickets, newest first (or oldest first, for queues), filtered in SQL: the page,
    its total and the request caller's check in one statement."""
    statuses = [s.value for s in parse_statuses(status)]
    params: dict[str, Any] = {}
    if statuses:
        params["statuses"] = params["counted_statuses"] = statuses
    if technician_id is not None:
        params["technician_id"] = technician_id
    if bike_code:
        params["bike_code"] = validate_bike_code(bike_code)
    folded = tx.caller_to_fold()
    query = _list_query(
        _ListShape(
            statuses=bool(statuses),
            technician=technician_id is not None,
            bike=bool(bike_code),
            oldest_first=oldest_first,
            caller=folded.shape if folded is not None else None,
        )
    )
    rows, total = query.fetch(tx, params, page, per_page, folded)
    now, names = tx.now, dict[int, str]()
    return Page(tuple(_row_view(row, now, names) for row in rows), total, page, per_page)


@reads
def ticket_transitions(tx: Tx, ticket_id: int) -> list[TransitionView]:
    """The ticket's audit trail, newest first."""
    if tx.session.get(Ticket, ticket_id) is None:
        raise NotFound(f"No ticket with id {ticket_id}.", field="ticket_id")
    rows = tx.session.execute(
        select(TicketTransition, User.username, User.first_name, User.last_name)
        .join(User, User.id == TicketTransition.actor_id)
        .where(TicketTransition.ticket_id == ticket_id)
        .order_by(TicketTransition.created_at.desc(), TicketTransition.id.desc())
    )
    transitions = list(rows)
    # Name the technician each assignment went to, in one more query.
    assignees = {
        t.meta.get("technician_id")
        for t, *_ in transitions
        if t.action == TicketAction.ASSIGNED and isinstance(t.meta.get("technician_id"), int)
    }
    names: dict[Any, str] = {
        u.id: _full_name(u) for u in tx.session.scalars(select(User).where(User.id.in_(assignees)))
    }
    return [
        TransitionView(
            id=t.id,
            ticket=t.ticket_id,
            from_status=t.from_status,
            to_status=t.to_status,
            action=t.action,
            actor=t.actor_id,
            actor_name=" ".join(p for p in (first, last) if p) or username,
            note=t.note,
            metadata=dict(t.meta),
            created_at=t.created_at,
            technician_name=names.get(t.meta.get("technician_id"))
            if t.action == TicketAction.ASSIGNED
            else None,
        )
        for t, username, first, last in transitions
    ]
