"""Tickets: intake, assignment, start, QC, and how they are read back.

Each public function is one use case in one transaction; a state change, its
transition row and its side effects (bike status, XP, a stopped timer) commit
together or not at all. Each starts with the statement that checks its caller
(``tx.lock`` or ``tx.read``, see :mod:`.shop`); the statements are in
:mod:`.sql.tickets` and :mod:`.sql.bikes`, the rules they apply in :mod:`.rules`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from .bikes import (
    MIN_QUERY_LENGTH,
    closest_codes,
    new_bike,
    normalise_bike_code,
    valid_bike_code_or_none,
    validate_bike_code,
)
from .checklists import (
    DEFAULT_CHECKLIST,
    checklist_task,
    readable_checklist,
    validate_checklist,
)
from .errors import PermissionDenied, RuleViolation, TransitionNotAllowed, ValidationFailed
from .flags import flag_color
from .models import Ticket, TicketPart, WorkshopRules, XpEntry
from .paging import PageQuery
from .partwork import (
    PartSpecIn,
    checklist_state,
    default_title,
    is_critical,
    parts_checklist,
    spec_json,
    state_of,
    unticked,
    validate_part_specs,
    validate_task_indexes,
    xp_for_minutes,
)
from .rules import (
    ACTIVE_TICKET_PER_BIKE,
    NO_TICKET_ON_ARCHIVED_BIKE,
    PARK_DEFAULT_REASON,
    Permission,
    XpAward,
    is_first_pass,
    next_ticket_status,
    qc_pass_xp,
)
from .shop import Shop, Tx, reads, writes
from .sql import bikes as bike_sql
from .sql import from_row
from .sql import parts as part_sql
from .sql import tickets as sql
from .sql.bikes import bike_row
from .sql.caller import name_of
from .sql.tickets import TicketRow, ticket_row
from .text import clean_text
from .values import BikeStatus, Role, StopCause, TicketAction, TicketStatus, XpEntryType
from .views import Page, QcPassed, StreamedPage, TicketView, TransitionView
from .work_sessions import close_open_timer, reason_metadata, validate_pause_reason
from .workflow import (
    check_expected,
    no_ticket,
    record_transition,
    require_worker,
    set_bike_status,
    start_ticket_in_tx,
)
from .workstate import ask_for_part, open_timer_on_start, set_ticks

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


# --- use cases --------------------------------------------------------------------------------


@writes
def create_ticket(
    tx: Tx,
    actor_id: int,
    *,
    bike_code: str,
    title: str | None,
    checklist: Sequence[Any] | None,
    srt_total_minutes: int | None,
    approve_srt: bool,
    confirm_create_bike: bool = False,
    bike_creation_reason: str | None = None,
    part_specs: Sequence[Mapping[str, Any]] | None = None,
) -> TicketView:
    """Take a bike in: a new ticket with an approved SRT and its ``created`` transition.

    ``part_specs`` (``[{part_id, color, comment, minutes}]``): intake by parts. The
    checklist is then the given one (or the shop's template) plus one task per part,
    the SRT defaults to the sum of the minutes, and the flag colour and XP follow from
    it. With the shop's ``review_required`` rule on, the ticket starts ``under_review``.
    """
    # The bike is locked first (a code that is not valid finds none, and gets its error
    # below, after the caller and the permission).
    found = tx.read(
        bike_sql.LOCK_BY_CODE,
        {"code": valid_bike_code_or_none(bike_code)},
        actor=actor_id,
        permission=Permission.CREATE_TICKET,
    )
    actor = tx.acting
    rules = tx.rules()
    code = _intake_code(tx, bike_code)
    specs = validate_part_specs(part_specs) if part_specs is not None else []
    names = part_names(tx, specs)
    if title is None and specs:
        title = default_title([names[s.part_id] for s in specs])
    title = _validate_title(title)
    if specs:
        template = checklist
        if template is None:
            stored = tx.scalar(part_sql.TEMPLATE)
            template = readable_checklist(stored) if stored else DEFAULT_CHECKLIST
        checklist = parts_checklist(template, specs, names)
    items = validate_checklist(checklist, rules.checklist_min_items)
    if srt_total_minutes is None and specs:
        srt_total_minutes = sum(s.minutes for s in specs)
    srt = validate_srt(srt_total_minutes)
    if approve_srt is not True:
        raise ValidationFailed(
            "The SRT must be approved: confirm the standard repair time (approve_srt = true).",
            field="approve_srt",
        )
    reason = clean_text(bike_creation_reason or "", "bike_creation_reason").strip()
    if not found:
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
    else:
        bike = bike_row(found[0])
        if not bike.is_active:
            raise NO_TICKET_ON_ARCHIVED_BIKE.refused(bike=code)
        if found[0]["active_ticket"] is not None:
            raise ACTIVE_TICKET_PER_BIKE.refused(bike=code, ticket=found[0]["active_ticket"])
    minutes = sum(s.minutes for s in specs) if specs else srt
    status = TicketStatus.UNDER_REVIEW if rules.review_required else TicketStatus.NEW
    values: dict[str, Any] = {
        "bike_id": bike.id,
        "master_id": actor.id,
        "technician_id": None,
        "title": title,
        "checklist_snapshot": items,
        "srt_total_minutes": srt,
        "srt_approved_by_id": actor.id,
        "srt_approved_at": tx.now,
        "flag_minutes": 0,
        "status": status.value,
        "assigned_at": None,
        "started_at": None,
        "done_at": None,
        "created_at": tx.now,
        "updated_at": tx.now,
        "qc_fail_count": 0,
        "latest_qc_note": "",
        "parked_reason": None,
        "worked_seconds": 0,
        "running_since": None,
        "flag_color": flag_color(minutes),
        "xp_amount": xp_for_minutes(minutes),
        "is_manual": False,
        "approved_by_id": None,
        "approved_at": None,
        "part_specs": None,
        "work_state": None,
    }
    ticket_id = tx.insert_for_id(Ticket, values)
    if specs:
        values["part_specs"] = insert_part_specs(tx, ticket_id, specs, names)
        tx.update(Ticket, ticket_id, part_specs=values["part_specs"])
    ticket = TicketRow(
        id=ticket_id,
        **values,
        bike_code=code,
        master_name=actor.name,
        technician_name=None,
        approved_by_name=None,
    )
    metadata: dict[str, Any] = {
        "bike_code": code,
        "bike_created_during_intake": not found,
        "bike_creation_reason": reason if not found else None,
        "checklist_items_count": len(items),
        "srt_total_minutes": srt,
        "srt_approved": True,
    }
    if specs:
        metadata["part_specs"] = [
            {"part_id": s.part_id, "color": s.color, "minutes": s.minutes} for s in specs
        ]
    ticket = record_transition(
        tx, ticket, TicketAction.CREATED, status, actor.id, metadata=metadata
    )
    return _reply(tx, ticket)


def part_names(tx: Tx, specs: Sequence[PartSpecIn]) -> dict[int, str]:
    """The catalogue names of the parts ``specs`` name; each must exist, not removed."""
    if not specs:
        return {}
    rows = tx.execute(part_sql.PARTS_BY_IDS, {"ids": [s.part_id for s in specs]}).mappings()
    found = {row["id"]: row for row in rows}
    for spec in specs:
        row = found.get(spec.part_id)
        if row is None:
            raise ValidationFailed(f"No part with id {spec.part_id}.", field="part_specs")
        if row["is_archived"]:
            raise ValidationFailed(
                f"Part {row['name']} was removed from the catalogue; choose another.",
                field="part_specs",
            )
    return {i: str(row["name"]) for i, row in found.items()}


def insert_part_specs(
    tx: Tx, ticket_id: int, specs: Sequence[PartSpecIn], names: Mapping[int, str]
) -> list[dict[str, Any]]:
    """The ticket's part spec rows, and the cache of them its replies show."""
    cached = []
    for spec in specs:
        row = {
            "ticket_id": ticket_id,
            "part_id": spec.part_id,
            "color": spec.color,
            "comment": spec.comment,
            "minutes": spec.minutes,
            "created_at": tx.now,
            "updated_at": tx.now,
        }
        spec_id = tx.insert_for_id(TicketPart, row)
        cached.append(spec_json(spec_id, spec, names[spec.part_id], tx.now, tx.now))
    return cached


@writes
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
    found = tx.lock(
        sql.LOCK_TO_ASSIGN,
        {"ticket_id": ticket_id, "user_id": technician_id if is_id else None},
        actor=actor_id,
        permission=Permission.ASSIGN,
        missing=no_ticket(ticket_id),
    )
    ticket = ticket_row(found)
    check_expected(ticket, expected_status)
    if ticket.status == TicketStatus.UNDER_REVIEW:
        raise TransitionNotAllowed(
            f"Ticket #{ticket.id} is waiting for review; a super admin or ops manager must "
            "approve its parts and minutes before it is assigned.",
            field="status",
            code="under_review",
        )
    to_status = next_ticket_status(TicketAction.ASSIGNED, TicketStatus(ticket.status), ticket.id)
    if not is_id:
        raise ValidationFailed("technician_id must be a user id.", field="technician_id")
    if found["chosen_id"] is None:
        raise ValidationFailed(f"No user with id {technician_id}.", field="technician_id")
    username = found["chosen_username"]
    if not found["chosen_active"]:
        raise ValidationFailed(
            f"{username} is deactivated; choose an active technician.",
            field="technician_id",
        )
    if Role.TECHNICIAN not in (found["chosen_roles"] or "").split(","):
        raise ValidationFailed(
            f"{username} is not a technician; choose a user with the technician role.",
            field="technician_id",
        )
    name = name_of(found, "chosen")
    previous = ticket.technician_id
    if previous == technician_id:
        # Nothing would change; an audit row for it would only hide the real history.
        raise RuleViolation(
            f"Ticket #{ticket.id} is already assigned to {name}; "
            "nothing changed. Choose another technician to reassign it.",
            field="technician_id",
            code="already_assigned",
        )
    ticket = record_transition(
        tx,
        ticket,
        TicketAction.ASSIGNED,
        to_status,
        tx.acting.id,
        metadata={"technician_id": technician_id, "previous_technician_id": previous},
    )
    ticket = tx.save(ticket, technician_id=technician_id, assigned_at=tx.now)
    return _reply(tx, replace(ticket, technician_name=name))


def _lock_to_work(
    tx: Tx, actor_id: int, ticket_id: int, statement: Any = sql.LOCK
) -> tuple[TicketRow, Mapping[Any, Any]]:
    """The ticket, locked for work (the caller needs the work permission); and its row."""
    found = tx.lock(
        statement,
        {"ticket_id": ticket_id},
        actor=actor_id,
        permission=Permission.WORK,
        missing=no_ticket(ticket_id),
    )
    return ticket_row(found), found


@writes
def start_ticket(tx: Tx, actor_id: int, ticket_id: int) -> TicketView:
    """assigned/rework -> in_progress, by the assigned technician (with the shop's
    ``start_opens_timer`` rule, its work-session timer starts too)."""
    ticket, found = _lock_to_work(tx, actor_id, ticket_id, sql.LOCK_TO_START)
    ticket = start_ticket_in_tx(tx, tx.acting, ticket, found["busy_ticket"])
    if tx.rules().start_opens_timer:
        ticket = open_timer_on_start(tx, ticket, tx.acting.id)
    return _reply(tx, ticket)


@writes
def send_to_qc(
    tx: Tx, actor_id: int, ticket_id: int, *, confirm_unticked: bool | None = None
) -> TicketView:
    """in_progress -> waiting_qc; an open timer is stopped in the same transaction.

    ``confirm_unticked``: ``False`` refuses while a task is unticked (the screen then asks
    and sends ``True``); ``None`` (a v1 client) does not ask. With the shop's
    ``critical_tasks_required`` rule on, an unticked critical task always refuses.
    """
    ticket, _ = _lock_to_work(tx, actor_id, ticket_id)
    to_status = next_ticket_status(
        TicketAction.TO_WAITING_QC, TicketStatus(ticket.status), ticket.id
    )
    require_worker(tx.acting, ticket)
    checklist = readable_checklist(ticket.checklist_snapshot)
    open_tasks = unticked(checklist, ticket.work_state)
    if tx.rules().critical_tasks_required:
        critical = [i for i in open_tasks if is_critical(checklist[i])]
        if critical:
            names = "; ".join(f"{i}: {checklist_task(checklist[i])[:40]}" for i in critical[:5])
            raise RuleViolation(
                f"Tick the critical tasks before sending ticket #{ticket.id} to QC ({names}).",
                field="checklist",
                code="critical_tasks_unticked",
            )
    if confirm_unticked is False and open_tasks:
        raise RuleViolation(
            f"{len(open_tasks)} of {len(checklist)} tasks are not ticked; confirm to send "
            f"ticket #{ticket.id} to QC anyway (confirm_unticked).",
            field="confirm_unticked",
            code="unticked_tasks",
        )
    timer = close_open_timer(tx, ticket, reason=StopCause.SENT_TO_QC.value)
    ticket = record_transition(
        tx,
        timer.ticket,
        TicketAction.TO_WAITING_QC,
        to_status,
        tx.acting.id,
        metadata={"stopped_work_session_id": timer.session.id if timer.session else None},
    )
    return _reply(tx, ticket)


@writes
def park_ticket(
    tx: Tx,
    actor_id: int,
    ticket_id: int,
    reason: str | None = None,
    note: str | None = None,
    *,
    part_id: int | None = None,
    part_text: str | None = None,
    quantity: int = 1,
) -> TicketView:
    """in_progress -> assigned to the same technician, on hold (by default waiting for parts).

    Its timer stops with the reason on the stop event, which frees the technician
    to start another bike; starting this one later is the ordinary start. ``part_id``
    (a catalogue part) or ``part_text`` and ``quantity`` name the part it waits for:
    it goes on the parts waiting list.
    """
    ticket, _ = _lock_to_work(tx, actor_id, ticket_id)
    wanted = _wanted_part(tx, part_id, part_text, quantity)
    to_status = next_ticket_status(TicketAction.PARKED, TicketStatus(ticket.status), ticket.id)
    require_worker(tx.acting, ticket)
    rules = tx.rules()
    # A shop that renamed "waiting for parts" parks with its first reason by default.
    default = (
        PARK_DEFAULT_REASON
        if rules.pause_reason(PARK_DEFAULT_REASON)
        else rules.pause_reasons[0].code
    )
    why, text = validate_pause_reason(rules, reason, note, default=default)
    details = reason_metadata(why, text)
    timer = close_open_timer(
        tx, ticket, reason=why.code, details={**details, "cause": StopCause.PARKED.value}
    )
    if wanted is not None:
        state = ask_for_part(tx, timer.ticket, *wanted)
        timer.ticket = tx.save(timer.ticket, work_state=state)
        details = {**details, "part_id": wanted[0], "part": wanted[1], "quantity": wanted[2]}
    ticket = record_transition(
        tx,
        timer.ticket,
        TicketAction.PARKED,
        to_status,
        tx.acting.id,
        note=text,
        metadata={
            **details,
            "technician_id": ticket.technician_id,
            "stopped_work_session_id": timer.session.id if timer.session else None,
        },
    )
    return _reply(tx, ticket)


def _wanted_part(
    tx: Tx, part_id: Any, part_text: Any, quantity: Any
) -> tuple[int | None, str, int] | None:
    """The part a park names (its id, its name, how many), or None."""
    if part_id is None and not (isinstance(part_text, str) and part_text.strip()):
        return None
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 999:
        raise ValidationFailed("quantity must be a whole number from 1 to 999.", field="quantity")
    if part_id is not None:
        if isinstance(part_id, bool) or not isinstance(part_id, int):
            raise ValidationFailed("part_id must be a part's id.", field="part_id")
        row = tx.execute(part_sql.PARTS_BY_IDS, {"ids": [part_id]}).mappings().first()
        if row is None:
            raise ValidationFailed(f"No part with id {part_id}.", field="part_id")
        return part_id, str(row["name"]), quantity
    text = " ".join(clean_text(str(part_text), "part").split())[:200]
    return None, text, quantity


# What a QC pass may pay, each once per ticket: its reference names the kind and the ticket.
def xp_reference(kind: XpEntryType, ticket_id: int) -> str:
    return f"{kind.value}:{ticket_id}"


def _inspect(
    tx: Tx, actor_id: int, ticket_id: int, expected_status: str | None, action: TicketAction
) -> tuple[TicketRow, TicketStatus, Mapping[Any, Any]]:
    """The ticket, locked for QC, and the status ``action`` moves it to; its row.

    QC is a second pair of eyes: whoever worked on the ticket may not judge it (a rework
    by someone else does not wash that out), unless the shop allows it.
    """
    found = tx.lock(
        sql.LOCK_TO_INSPECT,
        {
            "ticket_id": ticket_id,
            "base_reference": xp_reference(XpEntryType.TICKET_BASE_XP, ticket_id),
            "bonus_reference": xp_reference(XpEntryType.TICKET_QC_FIRST_PASS_BONUS, ticket_id),
        },
        actor=actor_id,
        permission=Permission.QC,
        missing=no_ticket(ticket_id),
    )
    ticket = ticket_row(found)
    check_expected(ticket, expected_status)
    to_status = next_ticket_status(action, TicketStatus(ticket.status), ticket.id)
    if found["worked_by_caller"] and not tx.rules().allow_self_inspection:
        raise PermissionDenied(
            f"You worked on ticket #{ticket.id}, so you may not pass or fail its QC; "
            "another inspector must check it.",
            field="ticket_id",
            code="self_inspection",
        )
    return ticket, to_status, found


@writes
def qc_pass(
    tx: Tx,
    actor_id: int,
    ticket_id: int,
    note: str | None = None,
    *,
    expected_status: str | None = None,
) -> QcPassed:
    """waiting_qc -> done: the bike is ready and the technician earns XP; what it paid.

    ``expected_status``: refuse if the ticket is no longer in the status the user saw.
    """
    ticket, to_status, found = _inspect(
        tx, actor_id, ticket_id, expected_status, TicketAction.QC_PASS
    )
    text = _validate_note(note)
    first_pass = is_first_pass(ticket.qc_fail_count)
    worked = ticket.worked_seconds or 0
    earned = qc_pass_xp(ticket.srt_total_minutes, ticket.qc_fail_count, tx.rules(), worked)
    if ticket.is_manual and ticket.xp_amount is not None:
        earned = replace(earned, base=ticket.xp_amount)  # an admin set the ticket's XP
    paid = _pay_xp(tx, ticket, earned, base_paid=found["base_paid"], bonus_paid=found["bonus_paid"])
    tx.days.qc_pass(
        tx.now,
        ticket.technician_id,
        first_pass=first_pass,
        srt_minutes=ticket.srt_total_minutes,
        worked_seconds=ticket.worked_seconds or 0,
    )
    ticket = record_transition(
        tx,
        ticket,
        TicketAction.QC_PASS,
        to_status,
        tx.acting.id,
        note=text,
        metadata={
            "first_pass": first_pass,
            "xp_base": earned.base,
            "xp_bonus": earned.bonus,
            "xp_paid": paid.total,
            **_pay_inspector(tx, ticket, tx.rules().inspector_xp_pass, "pass"),
        },
    )
    ticket = tx.save(ticket, done_at=tx.now, flag_minutes=ticket.srt_total_minutes)
    set_bike_status(tx, ticket.bike_id, BikeStatus.READY)
    return QcPassed(_reply(tx, ticket), first_pass, paid)


def _pay_inspector(tx: Tx, ticket: TicketRow, amount: int, decision: str) -> dict[str, int]:
    """The inspector's XP for a QC decision (the shop's rule; 0 pays none), and what the
    decision's transition records of it (``xp_inspector``: ``audit verify`` checks it)."""
    if amount <= 0:
        return {}
    inspector = tx.acting.id
    tx.insert(
        XpEntry,
        {
            "user_id": inspector,
            "amount": amount,
            "entry_type": XpEntryType.TICKET_QC_INSPECTOR.value,
            # Each decision once: a pass, and each fail by its number.
            "reference": f"{XpEntryType.TICKET_QC_INSPECTOR.value}:{ticket.id}:{decision}",
            "description": f"QC {decision.rstrip('0123456789')} of #{ticket.id}: {ticket.title}",
            "payload": {"ticket_id": ticket.id, "decision": decision},
            "created_at": tx.now,
        },
    )
    tx.days.xp(tx.now, inspector, amount)
    return {"xp_inspector": amount}


def _pay_xp(
    tx: Tx, ticket: TicketRow, earned: XpAward, *, base_paid: bool, bonus_paid: bool
) -> XpAward:
    """Append the XP entries not paid already (each kind once per ticket); what was paid."""
    assert ticket.technician_id is not None  # waiting_qc is only reached by an assigned ticket
    paid = XpAward(0 if base_paid else earned.base, 0 if bonus_paid else earned.bonus)
    entries = [
        (XpEntryType.TICKET_BASE_XP, paid.base, "Base XP for ticket"),
        (XpEntryType.TICKET_QC_FIRST_PASS_BONUS, paid.bonus, "First-pass QC bonus for"),
    ]
    rows = [
        {
            "user_id": ticket.technician_id,
            "amount": amount,
            "entry_type": kind.value,
            "reference": xp_reference(kind, ticket.id),
            "description": f"{what} #{ticket.id}: {ticket.title}",
            "payload": {"ticket_id": ticket.id, "srt_total_minutes": ticket.srt_total_minutes},
            "created_at": tx.now,
        }
        for kind, amount, what in entries
        if amount
    ]
    if rows:
        tx.insert(XpEntry, *rows)
        tx.days.xp(tx.now, ticket.technician_id, paid.total)
    return paid


@writes
def qc_fail(
    tx: Tx,
    actor_id: int,
    ticket_id: int,
    note: str | None = None,
    *,
    expected_status: str | None = None,
    tasks: Sequence[int] | None = None,
) -> TicketView:
    """waiting_qc -> rework, with an optional note for the technician.

    ``tasks``: the checklist tasks (indexes) that failed; the rework shows exactly those
    un-ticked (a note is then optional; naming none needs a note). ``None``: a v1 fail.
    ``expected_status``: refuse if the ticket is no longer in the status the user saw.
    """
    ticket, to_status, _ = _inspect(tx, actor_id, ticket_id, expected_status, TicketAction.QC_FAIL)
    text = _validate_note(note)
    checklist = readable_checklist(ticket.checklist_snapshot)
    failed = validate_task_indexes(tasks, checklist) if tasks is not None else None
    if failed == [] and not text:
        raise ValidationFailed(
            "Name the tasks that failed, or say in a note what to fix.", field="note"
        )
    actor = tx.acting
    tx.days.qc_fail(tx.now)
    metadata: dict[str, Any] = _pay_inspector(
        tx, ticket, tx.rules().inspector_xp_fail, f"fail{ticket.qc_fail_count + 1}"
    )
    if failed:
        metadata["failed_tasks"] = failed
        metadata["failed_task_names"] = [checklist_task(checklist[i])[:100] for i in failed]
        done = state_of(ticket.work_state)["done"]
        ticked = [i for i in failed if str(i) in done]
        if ticked:
            ticket = set_ticks(tx, ticket, ticked, False, actor.id, actor.name)
        state = state_of(ticket.work_state)
        state["failed"] = failed
        ticket = tx.save(ticket, work_state=state)
    ticket = record_transition(
        tx, ticket, TicketAction.QC_FAIL, to_status, actor.id, note=text, metadata=metadata
    )
    return _reply(tx, ticket)


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


# --- reading ----------------------------------------------------------------------------------


def _running_seconds(running_since: datetime | None, now: datetime) -> int:
    if running_since is None:
        return 0
    return int(now.timestamp()) - int(running_since.timestamp())


def ticket_view(
    t: Mapping[Any, Any],
    bike_code: str,
    master_name: str,
    technician_name: str | None,
    now: datetime,
    approved_by_name: str | None = None,
) -> TicketView:
    """A ticket's view from its columns by name and its people's names: every other fact
    is kept on the row."""
    status = t["status"]
    fails = t["qc_fail_count"] or 0
    checklist = readable_checklist(t["checklist_snapshot"])
    return TicketView(
        id=t["id"],
        bike=t["bike_id"],
        bike_code=bike_code,
        master=t["master_id"],
        master_name=master_name,
        technician=t["technician_id"],
        technician_name=technician_name,
        title=t["title"],
        checklist_snapshot=checklist,
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
        **_part_work(t, checklist, approved_by_name),
    )


def _part_work(
    t: Mapping[Any, Any], checklist: tuple[Any, ...], approved_by_name: str | None
) -> dict[str, Any]:
    """The later API's fields of a ticket (issue 21), from its columns and caches."""
    specs = t["part_specs"]
    parts = tuple(specs) if isinstance(specs, list) else ()
    srt = t["srt_total_minutes"]
    total = sum(int(p["minutes"]) for p in parts) if parts else srt
    state = state_of(t["work_state"])
    return {
        "ticket_parts": parts,
        "inventory_item": t["bike_id"],
        "total_duration": total,
        "flag_color": t["flag_color"] or flag_color(total),
        "xp_amount": t["xp_amount"] if t["xp_amount"] is not None else xp_for_minutes(srt),
        "is_manual": bool(t["is_manual"]),
        "approved_by": t["approved_by_id"],
        "approved_by_name": approved_by_name,
        "approved_at": t["approved_at"],
        "finished_at": t["done_at"],
        "checklist_state": checklist_state(checklist, state),
        "parts_missing": state["missing"],
        "parts_here": state["arrived"] > 0 and state["missing"] == 0,
    }


def _reply(tx: Tx, ticket: TicketRow) -> TicketView:
    """The view of a ticket a use case holds (as it saved it)."""
    return ticket_view(
        vars(ticket),
        ticket.bike_code,
        ticket.master_name,
        ticket.technician_name,
        tx.now,
        ticket.approved_by_name,
    )


def _row_view(t: Mapping[Any, Any], now: datetime) -> TicketView:
    """A view from a row of ``sql.tickets.COLUMNS``."""
    master = name_of(t, "master") or ""  # every ticket has its master
    return ticket_view(
        t, t["bike_code"], master, name_of(t, "technician"), now, name_of(t, "approver")
    )


def ticket_views(tx: Tx, ids: Sequence[int]) -> list[TicketView]:
    """The views of the tickets ``ids``, in that order, in one statement (for a read that
    found its tickets' ids some other way: a search, a bike's history)."""
    if not ids:
        return []
    rows = tx.execute(sql.BY_IDS, {"ids": list(ids)})
    now = tx.now
    found = {row["id"]: _row_view(row, now) for row in rows.mappings()}
    return [found[i] for i in ids if i in found]


@reads(one_statement=True)
def get_ticket(tx: Tx, ticket_id: int) -> TicketView:
    """One ticket, in one statement that also checks the request's caller."""
    rows = tx.read(sql.DETAIL, {"ticket_id": ticket_id}, missing=no_ticket(ticket_id))
    return _row_view(rows[0], tx.now)


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


@reads(one_statement=True)
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
    query, params = _list_query(status, technician_id, bike_code, oldest_first)
    rows, total = query.fetch(tx, params, page, per_page)
    now = tx.now
    return Page(tuple(_row_view(row, now) for row in rows), total, page, per_page)


@contextmanager
def streamed_tickets(
    shop: Shop,
    *,
    page: int = 1,
    per_page: int = 10,
    status: str | Iterable[str] | None = None,
    technician_id: int | None = None,
    bike_code: str | None = None,
) -> Iterator[StreamedPage[TicketView]]:
    """:func:`list_tickets` for a page too big to hold at once: its views are built as its
    rows are read, in one read transaction held open until the block ends (the API
    sends each view as it comes, so four big pages cost about one page of memory)."""
    with shop.transaction(write=False) as tx:
        query, params = _list_query(status, technician_id, bike_code, False)
        rows, total = query.stream(tx, params, page, per_page)
        now = tx.now
        yield StreamedPage((_row_view(row, now) for row in rows), total, page, per_page)


def _list_query(
    status: str | Iterable[str] | None,
    technician_id: int | None,
    bike_code: str | None,
    oldest_first: bool,
) -> tuple[PageQuery, dict[str, Any]]:
    statuses = [s.value for s in parse_statuses(status)]
    params: dict[str, Any] = {}
    if statuses:
        params["statuses"] = params["counted_statuses"] = statuses
    if technician_id is not None:
        params["technician_id"] = technician_id
    if bike_code:
        params["bike_code"] = validate_bike_code(bike_code)
    query = sql.list_query(
        sql.ListShape(
            statuses=bool(statuses),
            technician=technician_id is not None,
            bike=bool(bike_code),
            oldest_first=oldest_first,
        )
    )
    return query, params


@reads
def ticket_transitions(tx: Tx, ticket_id: int) -> list[TransitionView]:
    """The ticket's audit trail, newest first."""
    rows = tx.read(sql.TRANSITIONS, {"ticket_id": ticket_id}, missing=no_ticket(ticket_id))
    return [
        from_row(
            TransitionView,
            t,
            actor_name=name_of(t, "actor"),
            # The technician an assignment gave the ticket to, by name.
            technician_name=name_of(t, "assignee")
            if t["action"] == TicketAction.ASSIGNED
            else None,
        )
        for t in rows
        if t["id"] is not None
    ]
