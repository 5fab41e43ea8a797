"""Checklists: what a valid one is, how a stored one is read, and the intake template.

The template is kept on the rules row (a cold table, written through the ORM session).

An item is a non-empty task string, or a flat object: a non-empty ``task`` plus a few
known fields (``done``, ``critical``, ``note``, ``ref``), each of a plain type and bounded length.
Anything else is refused naming the item, so nothing a client stores can break a
later read; and a stored checklist is read defensively all the same, so data written
before these rules (or by hand) shows as text instead of failing a list.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from .errors import ValidationFailed
from .models import WorkshopRules
from .rules import Permission
from .shop import Tx, reads, writes
from .sql.caller import joined
from .text import clean_text, storable

MAX_CHECKLIST_ITEMS = 200
MAX_TASK_LENGTH = 500
MAX_NOTE_LENGTH = 500
MAX_REF_LENGTH = 100
# Integers a JSON client can round-trip exactly (JavaScript's safe range).
MAX_REF_NUMBER = 2**53 - 1
FIELD = "checklist_snapshot"

# The fields an item object may carry besides its task, with what each may hold.
ITEM_FIELDS: dict[str, str] = {
    "task": f"non-empty text of at most {MAX_TASK_LENGTH} characters",
    "done": "true, false or null",
    "critical": "true, false or null",
    "note": f"text of at most {MAX_NOTE_LENGTH} characters, or null",
    "ref": f"text of at most {MAX_REF_LENGTH} characters or a whole number, or null",
}

DEFAULT_CHECKLIST: tuple[str, ...] = (
    "Inspect frame and fork for cracks",
    "Check brake pads and rotor wear",
    "Test front and rear brakes",
    "Check tyre pressure and tread",
    "Inspect chain, cassette and derailleur",
    "Check battery charge and contacts",
    "Test motor assist levels",
    "Check display and controls",
    "Check lights and bell",
    "Test ride 500 m",
)


def _is_flag(value: Any) -> bool:
    return value is None or isinstance(value, bool)


def _is_note(value: Any) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= MAX_NOTE_LENGTH)


def _is_ref(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return len(value) <= MAX_REF_LENGTH
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_REF_NUMBER


_OPTIONAL: dict[str, Callable[[Any], bool]] = {
    "done": _is_flag,
    "critical": _is_flag,
    "note": _is_note,
    "ref": _is_ref,
}


def _refuse(number: int, problem: str) -> ValidationFailed:
    return ValidationFailed(f"Checklist item {number} {problem}", field=FIELD)


def validate_checklist(raw: Any, minimum: int) -> list[Any]:
    """The checklist with each task trimmed, or the first thing wrong with it."""
    if not isinstance(raw, list | tuple):
        raise ValidationFailed(
            "checklist_snapshot must be a list of tasks (strings or objects with a task).",
            field=FIELD,
        )
    # Counted first: nothing past the cap is even looked at.
    if len(raw) > MAX_CHECKLIST_ITEMS:
        raise ValidationFailed(
            f"The checklist has {len(raw)} items; at most {MAX_CHECKLIST_ITEMS} are allowed.",
            field=FIELD,
        )
    items = [_item(item, number) for number, item in enumerate(raw, start=1)]
    if len(items) < minimum:
        raise ValidationFailed(
            f"The checklist has {len(items)} item(s); at least {minimum} are required. "
            f"Add {minimum - len(items)} more.",
            field=FIELD,
        )
    return items


def _item(item: Any, number: int) -> Any:
    """One checked item: a trimmed task string, or a flat object of known fields."""
    if isinstance(item, str):
        if not item.strip():
            raise _refuse(number, "is blank; fill it in or remove it.")
        return _task(item, number)
    if not isinstance(item, dict):
        raise _refuse(number, "must be text or an object with a task.")
    unknown = [str(key) for key in item if key not in ITEM_FIELDS]
    if unknown:
        shown = unknown[0][:40]
        raise _refuse(
            number,
            f"has an unknown field {shown!r}; an item may have only {', '.join(ITEM_FIELDS)}.",
        )
    task = item.get("task")
    if not isinstance(task, str) or not task.strip():
        raise _refuse(number, "has no task; give it a non-empty task.")
    checked: dict[str, Any] = {"task": _task(task, number)}
    for key, allowed in _OPTIONAL.items():
        if key not in item:
            continue
        value = item[key]
        if not allowed(value):
            raise _refuse(number, f"has a bad {key}: it must be {ITEM_FIELDS[key]}.")
        checked[key] = clean_text(value, FIELD) if isinstance(value, str) else value
    return checked


def _task(raw: str, number: int) -> str:
    # Measured as sent (before trimming), so the bound is exactly the documented one.
    if len(raw) > MAX_TASK_LENGTH:
        raise _refuse(number, f"is longer than {MAX_TASK_LENGTH} characters; shorten it.")
    return clean_text(raw, FIELD).strip()


def readable_checklist(stored: Any) -> tuple[Any, ...]:
    """A stored checklist as valid items, whatever was stored: odd items become text.

    Reads never fail on a checklist: a list or detail page holding one written before
    today's rules (deeply nested objects, numbers, NaN) still shows.
    """
    if not isinstance(stored, list | tuple):
        return ()
    items = stored[:MAX_CHECKLIST_ITEMS]
    # What today's rules store (plain task strings) is checked all at once: the joined
    # text is storable exactly when each task is. A list shows 50 of these per page.
    if (
        all(type(item) is str for item in items)
        and max(map(len, items), default=0) <= MAX_TASK_LENGTH
        and storable("".join(items))
    ):
        return tuple(items)
    return tuple(_readable_item(item) for item in items)


def _readable_item(item: Any) -> Any:
    if isinstance(item, str):
        return item[:MAX_TASK_LENGTH] if storable(item) else "(unreadable task)"
    if isinstance(item, dict) and isinstance(item.get("task"), str):
        readable: dict[str, Any] = {"task": _readable_item(item["task"])}
        for key, allowed in _OPTIONAL.items():
            value = item.get(key)
            if key in item and allowed(value) and (not isinstance(value, str) or storable(value)):
                readable[key] = value
        return readable
    if isinstance(item, bool | int) or (isinstance(item, float) and math.isfinite(item)):
        return str(item)
    return "(unreadable task)"


def checklist_task(item: Any) -> str:
    """The task text of a checklist item, whichever form it was given in."""
    return str(item["task"]) if isinstance(item, dict) else str(item)


@reads
def checklist_minimum(tx: Tx) -> int:
    """How many items a checklist needs in this shop (the workshop rule)."""
    tx.authorise(None)
    return tx.rules().checklist_min_items


_TEMPLATE = joined(select(WorkshopRules.default_checklist).where(WorkshopRules.id == 1))


@reads
def checklist_template(tx: Tx) -> tuple[Any, ...]:
    """The checklist intake starts from: the shop's own template, else the built-in one."""
    found = tx.read(_TEMPLATE)
    stored = found[0]["default_checklist"] if found else None
    return readable_checklist(stored) if stored else DEFAULT_CHECKLIST


@writes
def set_checklist_template(tx: Tx, actor_id: int | None, items: Any) -> tuple[Any, ...]:
    """Make ``items`` the shop's default intake checklist (masters and super admins)."""
    tx.authorise(actor_id, Permission.EDIT_CHECKLIST_TEMPLATE)
    checked = validate_checklist(items, tx.rules().checklist_min_items)
    row = tx.session.get(WorkshopRules, 1)
    if row is None:
        row = WorkshopRules(id=1)
        tx.session.add(row)
    row.default_checklist = checked
    return tuple(checked)
