"""analytics/downtime/: where the paused time went, by reason, per day and technician."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...domain.downtime import (
    MAX_DAYS,
    Downtime,
    DowntimeCell,
    DowntimeDay,
    DowntimeTechnician,
    ReasonSeconds,
    downtime_by_reason,
)
from ..deps import CallerDep, ShopDep
from ..params import Reply
from ..responses import AUTHED
from ..schemas import Envelope, WireModel, ok, view_fields

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=AUTHED)


class ReasonSecondsOut(WireModel):
    __annotations__ = view_fields(ReasonSeconds)


class DowntimeDayOut(WireModel):
    __annotations__ = view_fields(DowntimeDay)


class DowntimeTechnicianOut(WireModel):
    __annotations__ = view_fields(DowntimeTechnician)


class DowntimeCellOut(WireModel):
    __annotations__ = view_fields(DowntimeCell)


class DowntimeOut(WireModel):
    __annotations__ = view_fields(Downtime)
    reasons: list[ReasonSecondsOut]
    by_day: list[DowntimeDayOut]
    by_technician: list[DowntimeTechnicianOut]
    cells: list[DowntimeCellOut]
    total_seconds: int


@router.get("/downtime/", response_model=Envelope[DowntimeOut])
def downtime(
    shop: ShopDep,
    caller: CallerDep,
    days: Annotated[
        int,
        Query(
            description=f"Shop-local days, today included: 1 to {MAX_DAYS}.",
            json_schema_extra={"minimum": 1, "maximum": MAX_DAYS},
        ),
    ] = 7,
) -> Reply:
    """Paused seconds by reason (waiting for parts, break, tool busy, ...) over the last
    ``days`` days: for the team (``reasons``), per day (every day, oldest first), per
    technician, and per day and technician (``cells``). Super admins and operations
    managers."""
    return ok(DowntimeOut.of(downtime_by_reason(shop, caller.user_id, days=days)))
