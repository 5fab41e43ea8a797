"""Every state of the workshop's rules, numbered: the one place a version is recorded.

A transaction that changed the ``workshop_rules`` row (whichever use case did it: the
timer rules, self-inspection, the checklist template, the XP amounts, a rollback)
records one version before it commits (:meth:`.shop.Tx.record_rules_version`, which
calls :func:`record`). A version is the whole row as JSON, every column but ``id``, so
a column added later is versioned too without touching this module. The first change
of a shop also records the rules as they were before it (version 1), so there is
always a version to roll back to.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, insert, select

from .models import WorkshopRules, WorkshopRulesVersion

RULES = WorkshopRules.__table__
VERSIONS = WorkshopRulesVersion.__table__
BEFORE_VERSIONING = "The rules as they were before their first recorded change."


def jsonable(value: Any) -> Any:
    """A column's value as JSON can hold it (times and dates as ISO text)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def snapshot(conn: Connection) -> dict[str, Any] | None:
    """The rules row now, every column but ``id``, as JSON values (``None``: no row)."""
    row = conn.execute(select(RULES).where(RULES.c.id == 1)).mappings().first()
    if row is None:
        return None
    return {name: jsonable(value) for name, value in row.items() if name != "id"}


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return f"{len(value)} items"
    return str(value)


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> str:
    """What changed between two versions, one ``name: old -> new`` per column, by name."""
    before = before or {}
    said = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if isinstance(old, list) or isinstance(new, list):
            said.append(f"{name} changed ({_shown(new)})")
        else:
            said.append(f"{name}: {_shown(old)} -> {_shown(new)}")
    return "; ".join(said)


def latest(conn: Connection) -> tuple[int, dict[str, Any]] | None:
    """The newest version's number and rules, if any was recorded."""
    row = conn.execute(
        select(VERSIONS.c.version, VERSIONS.c.rules).order_by(VERSIONS.c.version.desc()).limit(1)
    ).first()
    return None if row is None else (row.version, dict(row.rules))


def record(
    conn: Connection,
    before: Mapping[str, Any] | None,
    *,
    changed_by: int | None,
    now: datetime,
    note: str = "",
) -> int | None:
    """Append a version when the rules row differs from the newest version; its number.

    ``before``: the row as this transaction found it (recorded first as version 1 when
    nothing was recorded yet). ``note`` leads "what changed" (a rollback says so).
    ``None`` when the row is as the newest version already says.
    """
    current = snapshot(conn)
    if current is None:
        return None
    last = latest(conn)
    if last is None:
        if before is not None and dict(before) == current:
            return None
        if before is not None:
            _append(conn, 1, before, None, now, BEFORE_VERSIONING)
            last = (1, dict(before))
    number, rules = last if last is not None else (0, None)
    if rules == current:
        return None
    what = changes(rules, current) if rules is not None else "First recorded version."
    if note:
        what = f"{note}: {what}"
    _append(conn, number + 1, current, changed_by, now, what)
    return number + 1


def _append(
    conn: Connection,
    number: int,
    rules: Mapping[str, Any],
    changed_by: int | None,
    now: datetime,
    what: str,
) -> None:
    conn.execute(
        insert(WorkshopRulesVersion).values(
            version=number, rules=dict(rules), changed_by_id=changed_by, changed_at=now, what=what
        )
    )
