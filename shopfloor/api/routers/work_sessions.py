"""tickets/{id}/work-session/...: the technician's timer and its history."""

from __future__ import annotations

from fastapi import APIRouter

from ... import domain
from ..deps import CallerDep, ShopDep
from ..params import Reply, TicketId
from ..responses import AUTHED
from ..schemas import Envelope, ReasonIn, WorkSessionEventOut, WorkSessionOut, ok

router = APIRouter(prefix="/tickets/{ticket_id:id}/work-session", tags=["work sessions"])


@router.post("/start/", response_model=Envelope[WorkSessionOut], responses=AUTHED)
def start(ticket_id: TicketId, shop: ShopDep, caller: CallerDep) -> Reply:
    """Start the timer; an assigned or rework ticket is started too."""
    return ok(WorkSessionOut.of(domain.start_work_session(shop, caller.user_id, ticket_id)))


@router.post("/pause/", response_model=Envelope[WorkSessionOut], responses=AUTHED)
def pause(
    ticket_id: TicketId, shop: ShopDep, caller: CallerDep, body: ReasonIn | None = None
) -> Reply:
    """running -> paused, with an optional reason and note (none: ``unspecified``)."""
    reason, note = (body.reason, body.note) if body else (None, None)
    return ok(
        WorkSessionOut.of(domain.pause_work_session(shop, caller.user_id, ticket_id, reason, note))
    )


@router.post("/resume/", response_model=Envelope[WorkSessionOut], responses=AUTHED)
def resume(ticket_id: TicketId, shop: ShopDep, caller: CallerDep) -> Reply:
    """paused -> running."""
    return ok(WorkSessionOut.of(domain.resume_work_session(shop, caller.user_id, ticket_id)))


@router.post("/stop/", response_model=Envelope[WorkSessionOut], responses=AUTHED)
def stop(ticket_id: TicketId, shop: ShopDep, caller: CallerDep) -> Reply:
    """running/paused -> stopped; the ticket stays in progress."""
    return ok(WorkSessionOut.of(domain.stop_work_session(shop, caller.user_id, ticket_id)))


@router.get("/history/", response_model=Envelope[list[WorkSessionEventOut]], responses=AUTHED)
def history(ticket_id: TicketId, shop: ShopDep) -> Reply:
    """Every timer event of the ticket, newest first."""
    return ok(WorkSessionEventOut.many(domain.work_session_history(shop, ticket_id)))
