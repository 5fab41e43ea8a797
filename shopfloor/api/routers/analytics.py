"""analytics/fleet/ and analytics/team/: figures for managers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ... import domain
from ...domain.analytics import MAX_DAYS
from ..deps import CallerDep, ShopDep
from ..params import Reply
from ..responses import AUTHED
from ..schemas import Envelope, FleetOut, TeamOut, ok

# Documented here, enforced by the domain.
DAYS: dict[str, object] = {"minimum": 1, "maximum": MAX_DAYS}

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=AUTHED)


@router.get("/fleet/", response_model=Envelope[FleetOut])
def fleet(
    shop: ShopDep,
    caller: CallerDep,
    days: Annotated[
        int, Query(description="Days of QC trend, 1 to 90.", json_schema_extra=DAYS)
    ] = 14,
) -> Reply:
    """Bikes and tickets by status, backlog by flag bucket, availability and QC.

    ``qc`` always covers the last 7 days (as the original's); ``days`` sets the length
    of shopfloor's own ``qc_trend``."""
    return ok(FleetOut.of_view(domain.fleet_analytics(shop, caller.user_id, days=days)))


@router.get("/team/", response_model=Envelope[TeamOut])
def team(
    shop: ShopDep,
    caller: CallerDep,
    days: Annotated[int, Query(description="1 to 90.", json_schema_extra=DAYS)] = 7,
) -> Reply:
    """Per active technician (``members``, and shopfloor's ``technicians``): done,
    first-pass %, XP, load and worked time over the last ``days`` days."""
    return ok(TeamOut.of_view(domain.team_analytics(shop, caller.user_id, days=days)))
