"""bikes/: the fleet list, adding a bike, code suggestions, archive and restore."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ... import domain
from ...domain import BikeStatus
from ...domain.paging import DEFAULT_PER_PAGE
from ..deps import CallerDep, ShopDep
from ..params import BikeId, PageNumber, PerPage, Reply, per_page_capped
from ..responses import AUTHED
from ..schemas import (
    BikeCreateIn,
    BikeOut,
    BikeSuggestions,
    Envelope,
    PageEnvelope,
    Text,
    ok,
    paged,
)

router = APIRouter(prefix="/bikes", tags=["bikes"], responses=AUTHED)


@router.get("/", response_model=PageEnvelope[BikeOut])
def list_bikes(
    shop: ShopDep,
    page: PageNumber = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
    status: Annotated[
        Text | None,
        Query(
            description="Bike status.", json_schema_extra={"enum": [s.value for s in BikeStatus]}
        ),
    ] = None,
    q: Annotated[Text | None, Query(description="Part of a bike code.")] = None,
    archived: Annotated[bool | None, Query(description="Only archived, or only active.")] = None,
) -> Reply:
    """Bikes ordered by code."""
    result = domain.list_bikes(
        shop,
        page=page,
        per_page=per_page_capped(per_page),
        status=status,
        query=q,
        archived=archived,
    )
    return paged(result, BikeOut)


@router.post("/create/", status_code=201, response_model=Envelope[BikeOut])
def create_bike(body: BikeCreateIn, shop: ShopDep, caller: CallerDep) -> Reply:
    """Add a bike to the fleet (status ready)."""
    return ok(BikeOut.of(domain.create_bike(shop, caller.user_id, body.bike_code)))


@router.get("/suggest/", response_model=Envelope[BikeSuggestions])
def suggest(
    shop: ShopDep,
    q: Annotated[Text, Query(description="At least 2 characters of a bike code.")] = "",
) -> Reply:
    """Up to five known codes closest to ``q``: prefix, then substring, then fuzzy."""
    suggestions = domain.suggest_bike_codes(shop, q)
    return ok({"query": domain.normalise_bike_code(q), "suggestions": suggestions})


@router.get("/{bike_id:id}/", response_model=Envelope[BikeOut])
def get_bike(bike_id: BikeId, shop: ShopDep) -> Reply:
    return ok(BikeOut.of(domain.get_bike(shop, bike_id)))


@router.post("/{bike_id:id}/archive/", response_model=Envelope[BikeOut])
def archive(bike_id: BikeId, shop: ShopDep, caller: CallerDep) -> Reply:
    """Take the bike out of the fleet; its code stays reserved."""
    return ok(BikeOut.of(domain.archive_bike(shop, caller.user_id, bike_id)))


@router.post("/{bike_id:id}/restore/", response_model=Envelope[BikeOut])
def restore(bike_id: BikeId, shop: ShopDep, caller: CallerDep) -> Reply:
    """Bring an archived bike back into the fleet."""
    return ok(BikeOut.of(domain.restore_bike(shop, caller.user_id, bike_id)))
