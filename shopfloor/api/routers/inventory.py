"""inventory/: the original's later inventory over shopfloor's own fleet (issue 22): the one
inventory (the fleet), categories (bike models), items (bikes) and parts (the catalogue),
with the envelopes and field names its web admin reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query, Response
from pydantic import StrictBool, StrictInt

from ... import domain
from ...domain import BikeStatus, NotFound
from ...domain import inventory as inv
from ...domain.paging import DEFAULT_PER_PAGE, check_page
from ...domain.views import Page
from ..deps import CallerDep, ShopDep
from ..params import PageNumber, PerPage, Reply, per_page_capped
from ..responses import AUTHED
from ..schemas import (
    MAX_ID,
    Body,
    Envelope,
    Id,
    PageEnvelope,
    Text,
    WireModel,
    ok,
    paged,
    view_fields,
)

router = APIRouter(prefix="/inventory", tags=["inventory"], responses=AUTHED)

T = TypeVar("T")
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id.")]
YesNo = Annotated[
    Text | None,
    Query(description="true or false.", json_schema_extra={"enum": ["true", "false"]}),
]


class InventoryOut(WireModel):
    __annotations__ = view_fields(inv.InventoryView)


class CategoryOut(WireModel):
    """A category: a bike model."""

    __annotations__ = view_fields(inv.CategoryView)


class ItemOut(WireModel):
    """An item: a bike (name and serial number are its code; category its model)."""

    __annotations__ = view_fields(inv.ItemView)
    status: BikeStatus


class InventoryPartOut(WireModel):
    """A part of the catalogue (category: its bike model)."""

    __annotations__ = view_fields(inv.InventoryPartView)


class CategoryIn(Body):
    name: Text | None = None


class ItemIn(Body):
    serial_number: Text | None = None
    name: Text | None = None
    inventory: StrictInt | None = None
    category: Id | None = None
    status: BikeStatus | None = None
    is_active: StrictBool | None = None


class PartIn(Body):
    category: Id | None = None
    name: Text | None = None


def _page(items: Sequence[T], page: int, per_page: int) -> Page[T]:
    """A page of a short list read whole (the fleet, the models, the catalogue)."""
    check_page(page, per_page)
    last = max(1, -(-len(items) // per_page))
    if page > last:
        raise NotFound(f"Page {page} does not exist; there are {last} page(s).", field="page")
    start = (page - 1) * per_page
    return Page(tuple(items[start : start + per_page]), len(items), page, per_page)


@router.get("/", response_model=PageEnvelope[InventoryOut])
def inventories(
    shop: ShopDep, page: PageNumber = 1, per_page: PerPage = DEFAULT_PER_PAGE
) -> dict[str, Any]:
    """The one inventory: the shop's fleet."""
    return paged(_page(inv.inventories(shop), page, per_page_capped(per_page)), InventoryOut)


@router.get("/categories/", response_model=PageEnvelope[CategoryOut])
def categories(
    shop: ShopDep, page: PageNumber = 1, per_page: PerPage = DEFAULT_PER_PAGE
) -> dict[str, Any]:
    """Categories: the bike models."""
    return paged(_page(inv.categories(shop), page, per_page_capped(per_page)), CategoryOut)


@router.get("/categories/all/", response_model=Envelope[list[CategoryOut]])
def all_categories(shop: ShopDep) -> Reply:
    """Every category, as a plain list."""
    return ok(CategoryOut.many(inv.categories(shop)))


@router.post("/categories/", status_code=201, response_model=Envelope[CategoryOut])
def create_category(body: CategoryIn, shop: ShopDep, caller: CallerDep) -> Reply:
    return ok(CategoryOut.of(inv.create_category(shop, caller.user_id, body.name)))


@router.patch("/categories/{category_id:id}/", response_model=Envelope[CategoryOut])
def update_category(
    category_id: RowId, body: CategoryIn, shop: ShopDep, caller: CallerDep
) -> Reply:
    return ok(CategoryOut.of(inv.update_category(shop, caller.user_id, category_id, body.name)))


@router.delete("/categories/{category_id:id}/", status_code=204)
def delete_category(category_id: RowId, shop: ShopDep, caller: CallerDep) -> Response:
    """Only a category no bike or part uses."""
    inv.delete_category(shop, caller.user_id, category_id)
    return Response(status_code=204)


@router.get("/items/", response_model=PageEnvelope[ItemOut])
def items(
    shop: ShopDep,
    page: PageNumber = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
    q: Annotated[Text | None, Query(description="Part of a bike code.", max_length=64)] = None,
    serial_number: Annotated[Text | None, Query(max_length=64)] = None,
    status: BikeStatus | None = None,
    inventory: Annotated[int | None, Query(description="Always the fleet (1).")] = None,
    category: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    is_active: YesNo = None,
    has_active_ticket: YesNo = None,
    ordering: Annotated[
        Text | None,
        Query(
            description="The order; a leading - reverses it (default -created_at).",
            json_schema_extra={"enum": [f"{d}{k}" for k in inv.ORDERINGS for d in ("", "-")]},
        ),
    ] = None,
) -> dict[str, Any]:
    """Items: the bikes, filtered as the later API allows (newest first by default)."""
    found = inv.inventory_items(
        shop,
        page=page,
        per_page=per_page_capped(per_page),
        q=q,
        serial_number=serial_number,
        status=status.value if status else None,
        category=category,
        is_active=is_active,
        has_active_ticket=has_active_ticket,
        ordering=ordering,
    )
    if inventory is not None and inventory != inv.FLEET_ID:
        found = Page((), 0, page, found.per_page)
    return paged(found, ItemOut)


@router.get("/items/{item_id:id}/", response_model=Envelope[ItemOut])
def item(item_id: RowId, shop: ShopDep) -> Reply:
    return ok(ItemOut.of(inv.inventory_item(shop, item_id)))


@router.post("/items/", status_code=201, response_model=Envelope[ItemOut])
def create_item(body: ItemIn, shop: ShopDep, caller: CallerDep) -> Reply:
    """A new bike: ``serial_number`` is its code."""
    created = inv.create_item(
        shop,
        caller.user_id,
        serial_number=body.serial_number or body.name,
        category=body.category,
        status=(body.status or BikeStatus.READY).value,
        is_active=True if body.is_active is None else body.is_active,
    )
    return ok(ItemOut.of(created))


@router.patch("/items/{item_id:id}/", response_model=Envelope[ItemOut])
def update_item(item_id: RowId, body: ItemIn, shop: ShopDep, caller: CallerDep) -> Reply:
    """Change a bike's category, status or whether it is in the fleet (false archives it)."""
    changes = body.model_dump(exclude_unset=True)
    if "status" in changes and changes["status"] is not None:
        changes["status"] = changes["status"].value
    return ok(ItemOut.of(inv.update_item(shop, caller.user_id, item_id, changes)))


@router.delete("/items/{item_id:id}/", status_code=204)
def delete_item(item_id: RowId, shop: ShopDep, caller: CallerDep) -> Response:
    """Archive the bike (shopfloor never forgets a bike; restore with is_active: true)."""
    inv.update_item(shop, caller.user_id, item_id, {"is_active": False})
    return Response(status_code=204)


@router.get("/parts/", response_model=PageEnvelope[InventoryPartOut])
def parts(
    shop: ShopDep, page: PageNumber = 1, per_page: PerPage = DEFAULT_PER_PAGE
) -> dict[str, Any]:
    """The parts catalogue (category: the bike model a part belongs to)."""
    return paged(
        _page(inv.inventory_parts(shop), page, per_page_capped(per_page)), InventoryPartOut
    )


@router.post("/parts/", status_code=201, response_model=Envelope[InventoryPartOut])
def create_part(body: PartIn, shop: ShopDep, caller: CallerDep) -> Reply:
    created = inv.create_inventory_part(shop, caller.user_id, body.category, body.name)
    return ok(InventoryPartOut.of(created))


@router.patch("/parts/{part_id:id}/", response_model=Envelope[InventoryPartOut])
def update_part(part_id: RowId, body: PartIn, shop: ShopDep, caller: CallerDep) -> Reply:
    changes = body.model_dump(exclude_unset=True)
    return ok(
        InventoryPartOut.of(inv.update_inventory_part(shop, caller.user_id, part_id, changes))
    )


@router.delete("/parts/{part_id:id}/", status_code=204)
def delete_part(part_id: RowId, shop: ShopDep, caller: CallerDep) -> Response:
    """Remove the part from the catalogue (tickets that named it keep its name)."""
    domain.remove_part(shop, caller.user_id, part_id)
    return Response(status_code=204)
