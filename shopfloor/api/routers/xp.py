"""xp/ledger/: XP entries, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ... import domain
from ...domain import XpEntryType
from ...domain.xp import MAX_LIMIT
from ..deps import CallerDep, ShopDep
from ..params import Reply
from ..responses import AUTHED
from ..schemas import Envelope, QueryId, Text, XpEntryOut, ok

router = APIRouter(prefix="/xp", tags=["xp"], responses=AUTHED)


@router.get("/ledger/", response_model=Envelope[list[XpEntryOut]])
def ledger(
    shop: ShopDep,
    caller: CallerDep,
    limit: Annotated[
        int,
        Query(
            description=f"1 to {MAX_LIMIT}.", json_schema_extra={"minimum": 1, "maximum": MAX_LIMIT}
        ),
    ] = 100,
    user_id: Annotated[QueryId | None, Query(description="Whose entries (managers only).")] = None,
    ticket_id: Annotated[QueryId | None, Query()] = None,
    entry_type: Annotated[
        Text | None, Query(json_schema_extra={"enum": [t.value for t in XpEntryType]})
    ] = None,
) -> Reply:
    """The caller's entries, or anyone's for a super admin or operations manager."""
    entries = domain.list_xp_entries(
        shop,
        caller.user_id,
        limit=limit,
        user_id=user_id,
        ticket_id=ticket_id,
        entry_type=entry_type,
    )
    return ok(XpEntryOut.many(entries))
