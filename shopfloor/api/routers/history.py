"""bikes/{id}/history/: a bike's repairs, newest first (issue 24)."""

from __future__ import annotations

from fastapi import APIRouter

from ...domain.history import BikeHistory, Parking, QcOutcome, Repair, WorkerTime, bike_history
from ..deps import CallerDep, ShopDep
from ..params import BikeId, Reply
from ..responses import AUTHED
from ..schemas import BikeOut, Envelope, TicketOut, Timestamp, WireModel, ok, view_fields

router = APIRouter(prefix="/bikes", tags=["bikes"], responses=AUTHED)


class WorkerTimeOut(WireModel):
    __annotations__ = view_fields(WorkerTime)


class QcOutcomeOut(WireModel):
    __annotations__ = view_fields(QcOutcome)
    at: Timestamp


class ParkingOut(WireModel):
    __annotations__ = view_fields(Parking)
    at: Timestamp


class RepairOut(WireModel):
    """One ticket of the bike: who took it in (``ticket.master_name``), who worked it and
    for how long, QC outcomes and parkings (oldest first)."""

    __annotations__ = view_fields(Repair)
    ticket: TicketOut
    workers: list[WorkerTimeOut]
    qc: list[QcOutcomeOut]
    parked: list[ParkingOut]


class BikeHistoryOut(WireModel):
    __annotations__ = view_fields(BikeHistory)
    bike: BikeOut
    repairs: list[RepairOut]
    worked_seconds: int


@router.get("/{bike_id:id}/history/", response_model=Envelope[BikeHistoryOut])
def history(bike_id: BikeId, shop: ShopDep, caller: CallerDep) -> Reply:
    """The bike and every ticket it has had, newest first: who took it in, who worked it
    and for how long, QC passes and fails with their notes, and why it was parked."""
    return ok(BikeHistoryOut.of(bike_history(shop, caller.user_id, bike_id)))
