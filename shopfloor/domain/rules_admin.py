"""The rules' history and rollback, and the XP amounts and checklist minimum.

Every change of the rules row is versioned where the transaction ends
(:mod:`.rules_versions`); here are the use cases that read those versions, roll the
rules back to one of them (a new version equal to it: nothing is ever rewritten), and
change the amounts no other use case sets (XP per SRT minutes, the first-pass bonus,
the checklist minimum).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from . import rollups
from .errors import NotFound, ValidationFailed
from .models import User, WorkshopRules, WorkshopRulesVersion
from .rules import Permission, Rules
from .shop import Tx, reads, writes
from .sql.caller import joined
from .views import display_name

# Who may read the history: whoever may change any rule (ops managers the timer rules).
READ_HISTORY = Permission.EDIT_TIMER_RULES
MAX_XP_DIVISOR = 600
MAX_FIRST_PASS_BONUS = 1000
MAX_CHECKLIST_MINIMUM = 50


@dataclass(frozen=True)
class RulesVersion:
    """One recorded state of the rules: its number, who made it when, what changed, and
    the whole rules row as it then was (column name -> value)."""

    version: int
    changed_at: datetime
    changed_by: int | None
    changed_by_name: str  # "local operator" for the CLI (or the rules before versioning)
    what: str
    rules: dict[str, Any]


_V = WorkshopRulesVersion
_HISTORY = (
    select(
        _V.version,
        _V.changed_at,
        _V.changed_by_id,
        _V.what,
        _V.rules.label("version_rules"),
        User.username.label("by_username"),
        User.first_name.label("by_first_name"),
        User.last_name.label("by_last_name"),
    )
    .select_from(_V)
    .outerjoin(User, User.id == _V.changed_by_id)
)
_HISTORY_NEWEST_FIRST = joined(_HISTORY, order_by=["version"], descending=True)


def _version(row: Any) -> RulesVersion:
    by = row["changed_by_id"]
    name = (
        display_name(row["by_first_name"], row["by_last_name"], row["by_username"])
        if by is not None and row["by_username"] is not None
        else "local operator"
    )
    return RulesVersion(
        version=row["version"],
        changed_at=row["changed_at"],
        changed_by=by,
        changed_by_name=name,
        what=row["what"],
        rules=dict(row["version_rules"]),
    )


@reads
def rules_history(tx: Tx, actor_id: int | None = None) -> list[RulesVersion]:
    """Every recorded version of the rules, newest first (who may change rules)."""
    rows = tx.read(_HISTORY_NEWEST_FIRST, actor=actor_id, permission=READ_HISTORY)
    return [_version(row) for row in rows]


def _no_version(version: int) -> NotFound:
    return NotFound(
        f"There is no rules version {version}; `shopfloor rules history` lists them.",
        field="version",
    )


@writes
def rollback_rules(tx: Tx, actor_id: int | None, version: int) -> RulesVersion:
    """Make the rules what version ``version`` says, as a new version (super admins, or
    the local operator). Columns the old version did not know keep their value."""
    tx.authorise(actor_id, Permission.EDIT_RULES)
    found = tx.session.get(WorkshopRulesVersion, version)
    if found is None:
        raise _no_version(version)
    target = dict(found.rules)
    row = tx.session.get_one(WorkshopRules, 1)
    columns = {c.key for c in WorkshopRules.__table__.columns if c.key != "id"}
    current = {name: getattr(row, name) for name in columns}
    if all(current[name] == value for name, value in target.items() if name in columns):
        raise ValidationFailed(
            f"The rules already are as version {version} says; nothing to roll back.",
            field="version",
            code="unchanged",
        )
    old_zone = row.time_zone
    for name, value in target.items():
        if name in columns:
            setattr(row, name, value)
    if row.time_zone != old_zone:
        tx.flush()
        rollups.rebuild_days(tx.conn, row.time_zone)  # the days were cut at the old midnights
    tx.forget_rules()
    number = tx.record_rules_version(f"Rolled back to version {version}")
    assert number is not None  # the row changed: checked above
    return next(v for v in rules_history_in(tx) if v.version == number)


def rules_history_in(tx: Tx) -> list[RulesVersion]:
    """The versions, newest first, inside a transaction that already checked its caller."""
    return [_version(row) for row in tx.read(_HISTORY_NEWEST_FIRST)]


@writes
def set_rule_amounts(
    tx: Tx,
    actor_id: int | None,
    *,
    checklist_min_items: int | None = None,
    xp_srt_divisor: int | None = None,
    xp_first_pass_bonus: int | None = None,
) -> Rules:
    """Change the checklist minimum and the XP amounts (super admins, or the local
    operator); what is not given stays as it is."""
    tx.authorise(actor_id, Permission.EDIT_RULES)
    row = tx.session.get_one(WorkshopRules, 1)
    if checklist_min_items is not None:
        if not 1 <= checklist_min_items <= MAX_CHECKLIST_MINIMUM:
            raise ValidationFailed(
                f"A checklist needs 1 to {MAX_CHECKLIST_MINIMUM} items at least.",
                field="checklist_min_items",
            )
        row.checklist_min_items = checklist_min_items
    if xp_srt_divisor is not None:
        if not 1 <= xp_srt_divisor <= MAX_XP_DIVISOR:
            raise ValidationFailed(
                f"One XP is paid for 1 to {MAX_XP_DIVISOR} minutes of SRT.",
                field="xp_srt_divisor",
            )
        row.xp_srt_divisor = xp_srt_divisor
    if xp_first_pass_bonus is not None:
        if not 0 <= xp_first_pass_bonus <= MAX_FIRST_PASS_BONUS:
            raise ValidationFailed(
                f"The first-pass bonus is 0 to {MAX_FIRST_PASS_BONUS} XP.",
                field="xp_first_pass_bonus",
            )
        row.xp_first_pass_bonus = xp_first_pass_bonus
    tx.flush()
    tx.forget_rules()
    return tx.rules()
