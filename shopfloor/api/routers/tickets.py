"""tickets/: intake, the list, one ticket, its workflow actions and its audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from ... import domain
from ...domain.paging import DEFAULT_PER_PAGE
from ...domain.search import search_tickets, streamed_search
from ...domain.tickets import streamed_tickets
from ...domain.views import StreamedPage, TicketView
from ..deps import CallerDep, ShopDep
from ..params import Day, PageNumber, PerPage, Reply, TicketId, per_page_capped
from ..responses import AUTHED
from ..schemas import (
    TICKET_JSON,
    AssignIn,
    Envelope,
    IntakeIn,
    PageEnvelope,
    ParkIn,
    QcFailIn,
    QcNoteIn,
    QueryId,
    Text,
    TicketByPartsIn,
    TicketOut,
    ToQcIn,
    TransitionOut,
    ok,
)

router = APIRouter(prefix="/tickets", tags=["tickets"], responses=AUTHED)


def _json(body: bytes) -> Response:
    """A reply already encoded (the response model then only documents it): what FastAPI
    sends for a ``response_model``, without validating a model per ticket."""
    return Response(body, media_type="application/json")


@router.get("/", response_model=PageEnvelope[TicketOut])
def list_tickets(
    shop: ShopDep,
    caller: CallerDep,
    page: PageNumber = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
    status: Annotated[
        Text | None, Query(description="One status or several, comma-separated.")
    ] = None,
    technician: Annotated[QueryId | None, Query(description="Technician user id.")] = None,
    bike_code: Annotated[Text | None, Query(description="Exact bike code.")] = None,
    q: Annotated[
        Text | None,
        Query(
            description="Search: bike code, title, technician, QC/parking/pause note or "
            "ticket number; typo-tolerant. Every word must match.",
            max_length=200,
        ),
    ] = None,
    date_from: Annotated[
        Day | None, Query(description="Created on or after this shop-local day.")
    ] = None,
    date_to: Annotated[
        Day | None, Query(description="Created on or before this shop-local day.")
    ] = None,
) -> Response:
    """Tickets, newest first; with ``q`` (newest first by number) or a date range, searched."""
    per_page = per_page_capped(per_page)
    if (q and q.strip()) or date_from is not None or date_to is not None:
        if bike_code:
            q = f"{bike_code} {q or ''}"
        found: dict[str, Any] = {
            "technician_id": technician,
            "since": date_from,
            "until": date_to,
            "status": status,
            "page": page,
            "per_page": per_page,
        }
        if per_page >= STREAMED_FROM:
            return _streamed(streamed_search(shop, caller.user_id, q, **found))
        return _json(TICKET_JSON.page(search_tickets(shop, caller.user_id, q, **found)))
    if per_page >= STREAMED_FROM:
        return _streamed(
            streamed_tickets(
                shop,
                page=page,
                per_page=per_page,
                status=status,
                technician_id=technician,
                bike_code=bike_code,
            )
        )
    result = domain.list_tickets(
        shop,
        page=page,
        per_page=per_page,
        status=status,
        technician_id=technician,
        bike_code=bike_code,
    )
    return _json(TICKET_JSON.page(result))


# A page of this many tickets or more is sent as it is read: up to 500 tickets of 200-task
# checklists make a 50 MB page, and a few at once must not hold a few copies of it each.
# Smaller pages are read in one statement (no server-side cursor to open) and sent whole.
STREAMED_FROM = 100


def _streamed(page: AbstractContextManager[StreamedPage[TicketView]]) -> Response:
    """The page's reply streamed: refusals (401, 403, 404, 400) come before the first
    byte, as for any reply; the read transaction ends when the last byte is sent (or
    the client goes away)."""
    held = ExitStack()
    found = held.enter_context(page)

    def body() -> Iterator[bytes]:
        with held:
            yield from TICKET_JSON.page_chunks(found)

    return StreamingResponse(body(), media_type="application/json")


@router.post("/create/", status_code=201, response_model=Envelope[TicketOut])
def create_ticket(body: IntakeIn, shop: ShopDep, caller: CallerDep) -> Reply:
    """Take a bike in: a new ticket with the SRT approved by the caller. The later API's
    body (``serial_number``, ``part_specs``) takes it in by parts: the SRT is the sum
    of their minutes, the checklist the shop's template plus one task per part."""
    if isinstance(body, TicketByPartsIn):
        ticket = domain.create_ticket(
            shop,
            caller.user_id,
            bike_code=body.serial_number,
            # The web admin leaves the title out when blank: the parts name the ticket.
            title=body.title if body.title and body.title.strip() else None,
            checklist=None,
            srt_total_minutes=None,
            approve_srt=True,
            confirm_create_bike=body.confirm_create_bike,
            bike_creation_reason=body.bike_creation_reason,
            part_specs=[spec.model_dump() for spec in body.part_specs],
        )
        return ok(TicketOut.of(ticket))
    ticket = domain.create_ticket(
        shop,
        caller.user_id,
        bike_code=body.bike_code,
        title=body.title,
        checklist=body.checklist_snapshot,
        srt_total_minutes=body.srt_total_minutes,
        approve_srt=body.approve_srt,
        confirm_create_bike=body.confirm_create_bike,
        bike_creation_reason=body.bike_creation_reason,
    )
    return ok(TicketOut.of(ticket))


@router.get("/{ticket_id:id}/", response_model=Envelope[TicketOut])
def get_ticket(ticket_id: TicketId, shop: ShopDep) -> Response:
    return _json(TICKET_JSON.one(domain.get_ticket(shop, ticket_id)))


@router.post("/{ticket_id:id}/assign/", response_model=Envelope[TicketOut])
def assign(ticket_id: TicketId, body: AssignIn, shop: ShopDep, caller: CallerDep) -> Reply:
    """Give the ticket to an active technician."""
    return ok(
        TicketOut.of(domain.assign_ticket(shop, caller.user_id, ticket_id, body.technician_id))
    )


@router.post("/{ticket_id:id}/start/", response_model=Envelope[TicketOut])
def start(ticket_id: TicketId, shop: ShopDep, caller: CallerDep) -> Reply:
    """assigned/rework -> in_progress, by the assigned technician."""
    return ok(TicketOut.of(domain.start_ticket(shop, caller.user_id, ticket_id)))


@router.post("/{ticket_id:id}/to-waiting-qc/", response_model=Envelope[TicketOut])
def to_waiting_qc(
    ticket_id: TicketId, shop: ShopDep, caller: CallerDep, body: ToQcIn | None = None
) -> Reply:
    """in_progress -> waiting_qc; an open timer is stopped. With ``confirm_unticked: false``
    it is refused while a checklist task is unticked."""
    confirm = body.confirm_unticked if body else None
    return ok(
        TicketOut.of(domain.send_to_qc(shop, caller.user_id, ticket_id, confirm_unticked=confirm))
    )


@router.post("/{ticket_id:id}/park/", response_model=Envelope[TicketOut])
def park(
    ticket_id: TicketId, shop: ShopDep, caller: CallerDep, body: ParkIn | None = None
) -> Reply:
    """in_progress -> assigned to the same technician, on hold (default: waiting for parts);
    the timer stops with the reason. Starting it again is the ordinary start. A part
    named (``part_id`` or ``part``, and ``quantity``) joins the parts waiting list."""
    body = body or ParkIn()
    ticket = domain.park_ticket(
        shop,
        caller.user_id,
        ticket_id,
        body.reason,
        body.note,
        part_id=body.part_id,
        part_text=body.part,
        quantity=body.quantity,
    )
    return ok(TicketOut.of(ticket))


@router.post("/{ticket_id:id}/qc-pass/", response_model=Envelope[TicketOut])
def qc_pass(
    ticket_id: TicketId, shop: ShopDep, caller: CallerDep, body: QcNoteIn | None = None
) -> Reply:
    """waiting_qc -> done: the bike is ready and XP is paid."""
    passed = domain.qc_pass(shop, caller.user_id, ticket_id, note=body.note if body else None)
    return ok(TicketOut.of(passed.ticket))


@router.post("/{ticket_id:id}/qc-fail/", response_model=Envelope[TicketOut])
def qc_fail(
    ticket_id: TicketId, shop: ShopDep, caller: CallerDep, body: QcFailIn | None = None
) -> Reply:
    """waiting_qc -> rework, with an optional note for the technician; ``tasks`` names the
    checklist tasks that failed (the rework shows exactly those unticked)."""
    body = body or QcFailIn()
    ticket = domain.qc_fail(shop, caller.user_id, ticket_id, note=body.note, tasks=body.tasks)
    return ok(TicketOut.of(ticket))


@router.get("/{ticket_id:id}/transitions/", response_model=Envelope[list[TransitionOut]])
def transitions(ticket_id: TicketId, shop: ShopDep) -> Reply:
    """The ticket's workflow transitions, newest first."""
    return ok(TransitionOut.many(domain.ticket_transitions(shop, ticket_id)))
