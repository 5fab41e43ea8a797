"""The XP ledger: who earned what, read back newest first.

What a QC pass pays is a rule (:func:`.rules.qc_pass_xp`), paid by :func:`.tickets.qc_pass`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Integer, bindparam, func, select

from .errors import PermissionDenied, ValidationFailed
from .models import XpEntry
from .rules import Permission, allows
from .shop import Tx, reads
from .sql import from_row
from .sql.caller import joined
from .values import XpEntryType
from .views import XpEntryView

MAX_LIMIT = 500


_ledger = XpEntry.__table__
_TOTAL = joined(
    select(func.coalesce(func.sum(_ledger.c.amount), 0).label("total")).where(
        _ledger.c.user_id == bindparam("user_id", type_=Integer())
    )
)


def xp_view(e: Mapping[Any, Any]) -> XpEntryView:
    return from_row(XpEntryView, e, user=e["user_id"])


@reads
def list_xp_entries(
    tx: Tx,
    actor_id: int,
    *,
    limit: int = 100,
    user_id: int | None = None,
    ticket_id: int | None = None,
    entry_type: str | None = None,
) -> list[XpEntryView]:
    """Ledger entries newest first; only managers may read other users' entries."""
    actor = tx.authorise(actor_id)
    assert actor is not None  # acting as someone: an id was given
    may_read_all = allows(actor.role_slugs, Permission.READ_ANY_XP)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    if user_id is not None and user_id != actor.id and not may_read_all:
        raise PermissionDenied(
            "Only a super admin or an operations manager may read other users' XP."
        )
    stmt = select(_ledger).order_by(XpEntry.created_at.desc(), XpEntry.id.desc()).limit(limit)
    if user_id is not None:
        stmt = stmt.where(XpEntry.user_id == user_id)
    elif not may_read_all:
        stmt = stmt.where(XpEntry.user_id == actor.id)
    if ticket_id is not None:
        stmt = stmt.where(
            XpEntry.reference.in_([f"{kind.value}:{ticket_id}" for kind in XpEntryType])
        )
    if entry_type is not None:
        try:
            stmt = stmt.where(XpEntry.entry_type == XpEntryType(entry_type).value)
        except ValueError:
            valid = ", ".join(k.value for k in XpEntryType)
            raise ValidationFailed(
                f"Unknown entry_type; use one of: {valid}.", field="entry_type"
            ) from None
    return [xp_view(e) for e in tx.execute(stmt).mappings()]


@reads
def xp_total(tx: Tx, user_id: int) -> int:
    """All XP a user has earned."""
    return int(tx.read(_TOTAL, {"user_id": user_id})[0]["total"] or 0)
