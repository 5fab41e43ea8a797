"""The admin's part of issue 21: the review before assignment, the override of a ticket's
flag colour and XP, and the shop's on/off rules.

``review_approve`` and ``set_manual_metrics`` are for super admins and ops managers;
both are audited (a ``review_approved`` transition; a ``ticket_audit`` row).
:func:`set_rule` is the one function that changes an on/off rule, so a rules history
can hang on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import delete

from .checklists import readable_checklist, validate_checklist
from .errors import TransitionNotAllowed, ValidationFailed
from .flags import flag_color
from .models import TicketAudit, TicketPart, WorkshopRules
from .partwork import parts_checklist, validate_color, validate_part_specs, xp_for_minutes
from .rules import Permission, Rules, next_ticket_status
from .shop import Tx, reads, writes
from .tickets import _reply, insert_part_specs, part_names
from .values import TicketAction, TicketStatus
from .views import TicketView
from .workflow import check_expected, lock_ticket, record_transition

MAX_XP = 10_000

# The on/off rules :func:`set_rule` changes, with what each does (for `rules show`).
SWITCHES: dict[str, str] = {
    "allow_self_inspection": "whoever worked on a ticket may pass or fail its QC",
    "review_required": "new tickets wait under review until an admin approves them",
    "start_opens_timer": "start/ also starts the work-session timer (the web admin's way)",
    "critical_tasks_required": "a ticket goes to QC only with its critical tasks ticked",
    "first_pass_bonus_within_srt": "the first-pass bonus only for work done within the SRT",
}
# The number rules :func:`set_rule` changes (XP, 0 to MAX_RULE_XP).
NUMBERS: dict[str, str] = {
    "inspector_xp_pass": "XP the inspector earns for each QC pass",
    "inspector_xp_fail": "XP the inspector earns for each QC fail",
}
MAX_RULE_XP = 1000


@writes
def review_approve(
    tx: Tx, actor_id: int, ticket_id: int, *, expected_status: str | None = None
) -> TicketView:
    """under_review -> new: the admin checked its parts and minutes; stamps who and when."""
    ticket = lock_ticket(tx, actor_id, ticket_id, Permission.REVIEW)
    check_expected(ticket, expected_status)
    to_status = next_ticket_status(
        TicketAction.REVIEW_APPROVED, TicketStatus(ticket.status), ticket.id
    )
    actor = tx.acting
    ticket = record_transition(tx, ticket, TicketAction.REVIEW_APPROVED, to_status, actor.id)
    ticket = tx.save(ticket, approved_by_id=actor.id, approved_at=tx.now)
    return _reply(tx, _named(ticket, actor.name))


def _named(ticket: Any, name: str) -> Any:
    return replace(ticket, approved_by_name=name)


@writes
def set_manual_metrics(
    tx: Tx,
    actor_id: int,
    ticket_id: int,
    *,
    flag_color: Any = None,
    xp_amount: Any = None,
) -> TicketView:
    """An admin sets the ticket's flag colour and/or XP by hand (``is_manual``; audited).
    A ticket already done keeps what it paid."""
    ticket = lock_ticket(tx, actor_id, ticket_id, Permission.REVIEW)
    if flag_color is None and xp_amount is None:
        raise ValidationFailed("Give flag_color, xp_amount or both.", field="flag_color")
    color = validate_color(flag_color, "flag_color") if flag_color is not None else None
    if xp_amount is not None and (
        isinstance(xp_amount, bool)
        or not isinstance(xp_amount, int)
        or not 0 <= xp_amount <= MAX_XP
    ):
        raise ValidationFailed(
            f"xp_amount must be a whole number from 0 to {MAX_XP}.", field="xp_amount"
        )
    if ticket.status == TicketStatus.DONE:
        raise ValidationFailed(
            f"Ticket #{ticket.id} is done and its XP paid; its metrics can no longer change.",
            field="status",
        )
    actor = tx.acting
    new_color = color or ticket.flag_color
    new_xp = xp_amount if xp_amount is not None else ticket.xp_amount
    tx.insert(
        TicketAudit,
        {
            "ticket_id": ticket.id,
            "action": "manual_metrics",
            "actor_id": actor.id,
            "payload": {
                "flag_color": [ticket.flag_color, new_color],
                "xp_amount": [ticket.xp_amount, new_xp],
            },
            "created_at": tx.now,
        },
    )
    ticket = tx.save(
        ticket, flag_color=new_color, xp_amount=new_xp, is_manual=True, updated_at=tx.now
    )
    return _reply(tx, ticket)


EDITABLE = frozenset({TicketStatus.UNDER_REVIEW, TicketStatus.NEW})


@writes
def update_part_specs(
    tx: Tx, actor_id: int, ticket_id: int, part_specs: Sequence[Mapping[str, Any]]
) -> TicketView:
    """The reviewer corrects a ticket's parts and minutes before it is assigned (under
    review or new): the specs are replaced, the SRT becomes their sum, the per-part tasks
    follow them, and the flag colour and XP their minutes (unless an admin set those by
    hand). Audited in ``ticket_audit`` with the specs before and after."""
    ticket = lock_ticket(tx, actor_id, ticket_id, Permission.REVIEW)
    if TicketStatus(ticket.status) not in EDITABLE:
        raise TransitionNotAllowed(
            f"Ticket #{ticket.id} is {ticket.status}; its parts change only before it is "
            "assigned (under review or new).",
            field="status",
        )
    specs = validate_part_specs(part_specs)
    names = part_names(tx, specs)
    before = list(ticket.part_specs or [])
    checklist = list(readable_checklist(ticket.checklist_snapshot))
    standard = checklist[: len(checklist) - len(before)] if before else checklist
    items = validate_checklist(
        parts_checklist(standard, specs, names), tx.rules().checklist_min_items
    )
    tx.execute(delete(TicketPart).where(TicketPart.ticket_id == ticket.id))
    cached = insert_part_specs(tx, ticket.id, specs, names)
    minutes = sum(s.minutes for s in specs)
    tx.insert(
        TicketAudit,
        {
            "ticket_id": ticket.id,
            "action": "part_specs",
            "actor_id": tx.acting.id,
            "payload": {
                "before": [{k: p[k] for k in ("part_id", "color", "minutes")} for p in before],
                "after": [
                    {"part_id": s.part_id, "color": s.color, "minutes": s.minutes} for s in specs
                ],
            },
            "created_at": tx.now,
        },
    )
    metrics = (
        {}
        if ticket.is_manual
        else {"flag_color": flag_color(minutes), "xp_amount": xp_for_minutes(minutes)}
    )
    ticket = tx.save(
        ticket,
        part_specs=cached,
        checklist_snapshot=items,
        srt_total_minutes=minutes,
        updated_at=tx.now,
        **metrics,
    )
    return _reply(tx, ticket)


def parse_switch(raw: Any, name: str) -> bool:
    """``on``/``off`` (also true/false, yes/no, 1/0) as a bool, or one sentence."""
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in ("on", "true", "yes", "1"):
        return True
    if word in ("off", "false", "no", "0"):
        return False
    raise ValidationFailed(f"Set {name} to on or off (not {str(raw)[:20]!r}).", field=name)


def parse_xp(raw: Any, name: str) -> int:
    """A whole number of XP from 0 to :data:`MAX_RULE_XP`, or one sentence."""
    text = str(raw).strip()
    if isinstance(raw, bool) or not (isinstance(raw, int) or text.isdigit()):
        raise ValidationFailed(
            f"Set {name} to a whole number of XP from 0 to {MAX_RULE_XP} (not {text[:20]!r}).",
            field=name,
        )
    number = int(text)
    if number > MAX_RULE_XP:
        raise ValidationFailed(f"{name} is at most {MAX_RULE_XP} XP.", field=name)
    return number


@writes
def set_rule(tx: Tx, actor_id: int | None, name: str, value: Any) -> bool | int:
    """Set one of the shop's on/off rules (:data:`SWITCHES`) or number rules
    (:data:`NUMBERS`); super admins, or the local operator at the CLI. The value as now
    set."""
    tx.authorise(actor_id, Permission.EDIT_RULES)
    if name not in SWITCHES and name not in NUMBERS:
        raise ValidationFailed(
            f"No rule named {str(name)[:40]!r}; the rules are: {', '.join([*SWITCHES, *NUMBERS])}.",
            field="name",
        )
    switched = parse_switch(value, name) if name in SWITCHES else parse_xp(value, name)
    row = tx.session.get(WorkshopRules, 1)
    if row is None:
        row = WorkshopRules(id=1)
        tx.session.add(row)
    setattr(row, name, switched)
    tx.forget_rules()
    return switched


@reads
def shop_rules(tx: Tx, actor_id: int | None = None) -> Rules:
    """The shop's rules as they are now."""
    tx.authorise(actor_id)
    return tx.rules()
