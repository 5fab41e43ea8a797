"""Checklists: what a valid one is, and the shop's default template for intake.

Items are non-empty strings or objects with a non-empty ``task``, so that items
can later carry more (a done flag, a QC verdict) without changing what intake
accepts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .errors import ValidationFailed
from .models import WorkshopRules
from .rules import Permission
from .shop import Tx, reads, writes
from .text import check_json_text, clean_text

MAX_CHECKLIST_ITEMS = 200
MAX_TASK_LENGTH = 500

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


def validate_checklist(raw: Any, minimum: int) -> list[Any]:
    """The checklist with each task trimmed, or the first thing wrong with it."""
    field = "checklist_snapshot"
    if not isinstance(raw, list | tuple):
        raise ValidationFailed(
            "checklist_snapshot must be a list of tasks (strings or objects with a task).",
            field=field,
        )
    items: list[Any] = []
    for number, item in enumerate(raw, start=1):
        if isinstance(item, dict):
            check_json_text(item, field)
            task = item.get("task")
            if not isinstance(task, str) or not task.strip():
                raise ValidationFailed(
                    f"Checklist item {number} has no task; give it a non-empty task.", field=field
                )
            items.append({**item, "task": _task(task, number)})
        elif isinstance(item, str):
            if not item.strip():
                raise ValidationFailed(
                    f"Checklist item {number} is blank; fill it in or remove it.", field=field
                )
            items.append(_task(item, number))
        else:
            raise ValidationFailed(
                f"Checklist item {number} must be text or an object with a task.", field=field
            )
    if len(items) < minimum:
        raise ValidationFailed(
            f"The checklist has {len(items)} item(s); at least {minimum} are required. "
            f"Add {minimum - len(items)} more.",
            field=field,
        )
    if len(items) > MAX_CHECKLIST_ITEMS:
        raise ValidationFailed(
            f"The checklist has {len(items)} items; at most {MAX_CHECKLIST_ITEMS} are allowed.",
            field=field,
        )
    return items


def _task(raw: str, number: int) -> str:
    text = clean_text(raw, "checklist_snapshot").strip()
    if len(text) > MAX_TASK_LENGTH:
        raise ValidationFailed(
            f"Checklist item {number} is longer than {MAX_TASK_LENGTH} characters; shorten it.",
            field="checklist_snapshot",
        )
    return text


def checklist_task(item: Any) -> str:
    """The task text of a checklist item, whichever form it was given in."""
    return str(item["task"]) if isinstance(item, dict) else str(item)


@reads
def checklist_template(tx: Tx) -> tuple[Any, ...]:
    """The checklist intake starts from: the shop's own template, else the built-in one."""
    stored = tx.session.scalar(select(WorkshopRules.default_checklist).where(WorkshopRules.id == 1))
    return tuple(stored) if stored else DEFAULT_CHECKLIST


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
