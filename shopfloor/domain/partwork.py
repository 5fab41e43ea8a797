"""Part-level work on a ticket (issue 21), the pure part: part specs and their minutes,
the flag colour and XP they give, and the ticket's work state (ticks, QC-named tasks,
parts waited for) as kept on the ticket's row.

Two caches live on ``tickets``, written in the transaction that writes the tables they
mirror, so a ticket's reply needs no second query:

- ``part_specs``: the ``ticket_parts`` rows as replies show them (times as ISO text);
- ``work_state``: ``{"done": {"<task index>": {"by", "by_name", "at"}}, "failed":
  [task index, ...], "missing": n, "arrived": n}``: the latest tick event of each
  ticked task (``checklist_ticks``), the tasks the last QC fail named, and the parts
  asked for while parked that are still missing / have arrived (``parts_waiting``).

Nothing here touches the database; the use cases are in :mod:`.tickets`,
:mod:`.ticks`, :mod:`.review` and :mod:`.parts`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .checklists import checklist_task
from .errors import ValidationFailed
from .flags import FLAG_COLORS, FlagColor
from .text import clean_text

MAX_PART_MINUTES = 10_000
MAX_PART_SPECS = 50
MAX_COMMENT = 500
XP_MINUTES = 20  # the original: XP = ceil(minutes / 20)


@dataclass(frozen=True)
class PartSpecIn:
    """One part spec as given at intake (checked; the part's name read from the catalogue)."""

    part_id: int
    color: FlagColor
    comment: str
    minutes: int


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def validate_color(raw: Any, field: str = "color") -> FlagColor:
    if raw not in FLAG_COLORS:
        raise ValidationFailed(f"{field} must be one of: green, yellow, red.", field=field)
    color: FlagColor = raw
    return color


def validate_part_specs(raw: Any) -> list[PartSpecIn]:
    """Part specs ``[{part_id, color, comment?, minutes}]``: at least one, each checked."""
    field = "part_specs"
    if not isinstance(raw, list | tuple) or not raw:
        raise ValidationFailed(
            "part_specs must list at least one part: {part_id, color, comment, minutes}.",
            field=field,
        )
    if len(raw) > MAX_PART_SPECS:
        raise ValidationFailed(f"At most {MAX_PART_SPECS} part specs per ticket.", field=field)
    specs = []
    for number, item in enumerate(raw, start=1):
        where = f"Part spec {number}"
        if not isinstance(item, Mapping):
            raise ValidationFailed(
                f"{where} must be an object with part_id and minutes.", field=field
            )
        part_id = item.get("part_id")
        if isinstance(part_id, bool) or not isinstance(part_id, int) or part_id < 1:
            raise ValidationFailed(f"{where}: part_id must be a part's id.", field=field)
        minutes = item.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            raise ValidationFailed(
                f"{where}: minutes must be a whole number of minutes above 0.", field=field
            )
        if minutes > MAX_PART_MINUTES:
            raise ValidationFailed(
                f"{where}: minutes must be at most {MAX_PART_MINUTES}.", field=field
            )
        color = item.get("color")
        if color not in FLAG_COLORS:
            raise ValidationFailed(f"{where}: color must be green, yellow or red.", field=field)
        comment = item.get("comment") or ""
        if not isinstance(comment, str):
            raise ValidationFailed(f"{where}: comment must be text.", field=field)
        comment = " ".join(clean_text(comment, field).split())
        if len(comment) > MAX_COMMENT:
            raise ValidationFailed(
                f"{where}: the comment is longer than {MAX_COMMENT} characters.", field=field
            )
        specs.append(PartSpecIn(part_id, color, comment, minutes))
    ids = [s.part_id for s in specs]
    if len(set(ids)) != len(ids):
        raise ValidationFailed("Each part may be named once per ticket.", field=field)
    return specs


def xp_for_minutes(minutes: int) -> int:
    """The XP a ticket of ``minutes`` pays (the original's ⌈minutes/20⌉)."""
    return math.ceil(minutes / XP_MINUTES)


def spec_json(
    spec_id: int, spec: PartSpecIn, part_name: str, created: datetime, updated: datetime
) -> dict[str, Any]:
    """One part spec as ``part_specs`` keeps it and replies show it."""
    return {
        "id": spec_id,
        "part_id": spec.part_id,
        "part_name": part_name,
        "color": spec.color,
        "comment": spec.comment,
        "minutes": spec.minutes,
        "created_at": iso(created),
        "updated_at": iso(updated),
    }


def parts_checklist(
    template: Sequence[Any], specs: Sequence[PartSpecIn], names: Mapping[int, str]
) -> list[Any]:
    """The shop's standard tasks, then one task per part (its comment after a colon)."""
    items = list(template)
    for spec in specs:
        task = names[spec.part_id]
        if spec.comment:
            task = f"{task}: {spec.comment}"
        items.append(task[:500])
    return items


def default_title(names: Sequence[str]) -> str:
    text = "Parts: " + ", ".join(names)
    return text if len(text) <= 200 else text[:197] + "..."


# --- the work state ----------------------------------------------------------------------------


def state_of(raw: Any) -> dict[str, Any]:
    """The work state, whatever was stored (NULL: nothing ticked, nothing waited for)."""
    state = dict(raw) if isinstance(raw, Mapping) else {}
    done = state.get("done")
    state["done"] = dict(done) if isinstance(done, Mapping) else {}
    failed = state.get("failed")
    state["failed"] = [i for i in failed if isinstance(i, int)] if isinstance(failed, list) else []
    state["missing"] = int(state.get("missing") or 0)
    state["arrived"] = int(state.get("arrived") or 0)
    return state


def is_critical(item: Any) -> bool:
    return isinstance(item, Mapping) and item.get("critical") is True


def checklist_state(checklist: Sequence[Any], raw_state: Any) -> tuple[dict[str, Any], ...]:
    """Each task's tick state, in checklist order (the wire's ``checklist_state``)."""
    state = state_of(raw_state)
    done, failed = state["done"], set(state["failed"])
    rows = []
    for index, item in enumerate(checklist):
        tick = done.get(str(index))
        rows.append(
            {
                "index": index,
                "task": checklist_task(item),
                "critical": is_critical(item),
                "done": tick is not None,
                "done_by": tick["by"] if tick else None,
                "done_by_name": tick.get("by_name") if tick else None,
                "done_at": tick["at"] if tick else None,
                "failed": index in failed,
            }
        )
    return tuple(rows)


def unticked(checklist: Sequence[Any], raw_state: Any) -> list[int]:
    done = state_of(raw_state)["done"]
    return [i for i in range(len(checklist)) if str(i) not in done]


def validate_task_indexes(raw: Any, checklist: Sequence[Any], field: str = "tasks") -> list[int]:
    """Task indexes (0-based, as ``checklist_state`` numbers them), each once, in order."""
    if raw is None:
        return []
    if not isinstance(raw, list | tuple):
        raise ValidationFailed(f"{field} must be a list of task indexes.", field=field)
    indexes: list[int] = []
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationFailed(f"{field} must be a list of task indexes.", field=field)
        if not 0 <= value < len(checklist):
            raise ValidationFailed(
                f"There is no task {value}; this checklist's tasks are 0 to {len(checklist) - 1}.",
                field=field,
            )
        if value not in indexes:
            indexes.append(value)
    return sorted(indexes)
