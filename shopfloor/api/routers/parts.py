"""Part-level work (issue 21): the review before assignment, an admin's manual metrics,
ticking checklist tasks, and the parts waiting list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ... import domain
from ...domain.ticks import FailedTask
from ..deps import CallerDep, ShopDep
from ..params import Reply, TicketId
from ..responses import AUTHED
from ..schemas import (
    MAX_ID,
    Envelope,
    ManualMetricsIn,
    PartWaitingOut,
    TicketOut,
    WireModel,
    ok,
    view_fields,
)

router = APIRouter(tags=["part-level work"], responses=AUTHED)

TaskIndex = Annotated[int, Path(ge=0, le=MAX_ID, description="The task's index, from 0.")]
WaitingId = Annotated[int, Path(ge=1, le=MAX_ID, description="Parts waiting entry id.")]


@router.post("/tickets/{ticket_id:id}/review-approve/", response_model=Envelope[TicketOut])
def review_approve(ticket_id: TicketId, shop: ShopDep, caller: CallerDep) -> Reply:
    """under_review -> new: stamps ``approved_by``/``approved_at`` (super_admin, ops_manager)."""
    return ok(TicketOut.of(domain.review_approve(shop, caller.user_id, ticket_id)))


@router.post("/tickets/{ticket_id:id}/manual-metrics/", response_model=Envelope[TicketOut])
def manual_metrics(
    ticket_id: TicketId, body: ManualMetricsIn, shop: ShopDep, caller: CallerDep
) -> Reply:
    """Set the ticket's flag colour and/or XP by hand (``is_manual``; audited)."""
    ticket = domain.set_manual_metrics(
        shop, caller.user_id, ticket_id, flag_color=body.flag_color, xp_amount=body.xp_amount
    )
    return ok(TicketOut.of(ticket))


@router.post(
    "/tickets/{ticket_id:id}/checklist/{task:id}/tick/", response_model=Envelope[TicketOut]
)
def tick(ticket_id: TicketId, task: TaskIndex, shop: ShopDep, caller: CallerDep) -> Reply:
    """Tick a checklist task done (the ticket's technician, while it is theirs)."""
    return ok(TicketOut.of(domain.tick_task(shop, caller.user_id, ticket_id, task)))


@router.post(
    "/tickets/{ticket_id:id}/checklist/{task:id}/untick/", response_model=Envelope[TicketOut]
)
def untick(ticket_id: TicketId, task: TaskIndex, shop: ShopDep, caller: CallerDep) -> Reply:
    """Un-tick a task ticked by mistake."""
    return ok(TicketOut.of(domain.tick_task(shop, caller.user_id, ticket_id, task, False)))


class FailedTaskOut(WireModel):
    __annotations__ = view_fields(FailedTask)


@router.get("/analytics/failed-tasks/", response_model=Envelope[list[FailedTaskOut]])
def failed_tasks(
    shop: ShopDep,
    days: Annotated[
        int,
        Query(
            description="The last days to count.", json_schema_extra={"minimum": 1, "maximum": 366}
        ),
    ] = 30,
) -> Reply:
    """Which checklist tasks QC fails named most (super_admin, ops_manager)."""
    return ok(FailedTaskOut.many(domain.failed_tasks(shop, days=days)))


@router.get("/parts-waiting/", response_model=Envelope[list[PartWaitingOut]])
def parts_waiting(
    shop: ShopDep,
    include_arrived: Annotated[
        bool, Query(description="Also the parts that have arrived.")
    ] = False,
) -> Reply:
    """What to order: the parts parked tickets wait for, oldest first."""
    return ok(PartWaitingOut.many(domain.parts_waiting(shop, include_arrived=include_arrived)))


@router.post("/parts-waiting/{waiting_id:id}/arrived/", response_model=Envelope[PartWaitingOut])
def arrived(waiting_id: WaitingId, shop: ShopDep, caller: CallerDep) -> Reply:
    """The part is here: the ticket shows "parts here"."""
    return ok(PartWaitingOut.of(domain.mark_part_arrived(shop, caller.user_id, waiting_id)))
