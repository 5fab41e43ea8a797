"""The original's later inventory, over shopfloor's own fleet (issue 22): no second copy.

- the one inventory is the shop's fleet (id 1);
- a category is a bike model (:mod:`.parts`);
- an item is a bike: its name and serial number are its bike code, its category its
  model, its parts the catalogue's parts of that model;
- a part is a catalogue part, its category the model.

Reads are for anyone logged in; writes for whoever may manage bikes (items) or the
parts catalogue (categories, parts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select

from .bikes import new_bike, normalise_bike_code, validate_bike_code
from .errors import NotFound, RuleViolation, ValidationFailed
from .models import Bike, BikeModel, Part, Ticket
from .paging import check_page
from .parts import catalogue_name
from .rules import UNIQUE_BIKE_CODE, Permission
from .shop import Tx, reads, writes
from .values import BikeStatus, TicketStatus
from .views import Page

FLEET_ID = 1
FLEET_NAME = "Fleet"
# Statuses an admin may set by hand; in_service belongs to the ticket workflow.
SETTABLE_STATUSES = frozenset(
    {BikeStatus.READY, BikeStatus.RENTED, BikeStatus.BLOCKED, BikeStatus.WRITE_OFF}
)
ORDERINGS = {
    "created_at": (Bike.created_at, Bike.id),
    "updated_at": (Bike.updated_at, Bike.id),
    "serial_number": (Bike.bike_code,),
    "name": (Bike.bike_code,),
    "status": (Bike.status, Bike.bike_code),
    "id": (Bike.id,),
}


@dataclass(frozen=True)
class InventoryView:
    id: int
    name: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CategoryView:
    id: int
    name: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ItemView:
    id: int
    name: str
    serial_number: str
    inventory: int
    category: int | None
    parts: tuple[int, ...]
    status: str
    is_active: bool
    created_at: datetime
    updated_at: datetime
    has_active_ticket: bool


@dataclass(frozen=True)
class InventoryPartView:
    id: int
    category: int | None
    inventory_item: int | None
    name: str
    created_at: datetime
    updated_at: datetime


def _active_ticket() -> Any:
    return exists().where(Ticket.bike_id == Bike.id, Ticket.status != TicketStatus.DONE.value)


def _parts_by_model(tx: Tx) -> dict[int, tuple[int, ...]]:
    rows = tx.execute(
        select(Part.model_id, Part.id).where(Part.is_archived.is_(False)).order_by(Part.id)
    )
    grouped: dict[int, list[int]] = {}
    for model_id, part_id in rows:
        grouped.setdefault(model_id, []).append(part_id)
    return {k: tuple(v) for k, v in grouped.items()}


def _item(row: Mapping[Any, Any], parts: Mapping[int, tuple[int, ...]]) -> ItemView:
    model = row["model_id"]
    return ItemView(
        id=row["id"],
        name=row["bike_code"],
        serial_number=row["bike_code"],
        inventory=FLEET_ID,
        category=model,
        parts=parts.get(model, ()) if model is not None else (),
        status=row["status"],
        is_active=bool(row["is_active"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        has_active_ticket=bool(row["has_active_ticket"]),
    )


_ITEM = select(Bike.__table__, _active_ticket().label("has_active_ticket"))


# --- reads ------------------------------------------------------------------------------------


@reads
def inventories(tx: Tx) -> list[InventoryView]:
    """The one inventory: the shop's fleet (dated by its first bike)."""
    tx.authorise(None)
    first, last = tx.execute(select(func.min(Bike.created_at), func.max(Bike.updated_at))).one()
    when = first or tx.now
    return [InventoryView(FLEET_ID, FLEET_NAME, when, last or when)]


@reads
def categories(tx: Tx) -> list[CategoryView]:
    """Every bike model, by name."""
    tx.authorise(None)
    models = BikeModel.__table__
    rows = tx.execute(select(models).order_by(models.c.name, models.c.id)).mappings()
    return [CategoryView(m["id"], m["name"], m["created_at"], m["updated_at"]) for m in rows]


@reads
def inventory_parts(tx: Tx) -> list[InventoryPartView]:
    """The catalogue's parts (not the removed ones), by model and name."""
    tx.authorise(None)
    parts = Part.__table__
    rows = tx.execute(
        select(parts).where(parts.c.is_archived.is_(False)).order_by(parts.c.model_id, parts.c.name)
    ).mappings()
    return [
        InventoryPartView(p["id"], p["model_id"], None, p["name"], p["created_at"], p["updated_at"])
        for p in rows
    ]


def _yes_no(raw: str | None, field: str) -> bool | None:
    if raw is None or raw == "":
        return None
    word = raw.strip().lower()
    if word in ("true", "1", "yes"):
        return True
    if word in ("false", "0", "no"):
        return False
    raise ValidationFailed(f"{field} must be true or false.", field=field)


@reads
def inventory_items(
    tx: Tx,
    *,
    page: int = 1,
    per_page: int = 10,
    q: str | None = None,
    serial_number: str | None = None,
    status: str | None = None,
    category: int | None = None,
    is_active: str | None = None,
    has_active_ticket: str | None = None,
    ordering: str | None = None,
) -> Page[ItemView]:
    """Bikes as the later API's items, filtered and ordered as it allows."""
    tx.authorise(None)
    check_page(page, per_page)
    where: list[ColumnElement[bool]] = []
    if q and q.strip():
        where.append(Bike.bike_code.contains(normalise_bike_code(q), autoescape=True))
    if serial_number:
        where.append(Bike.bike_code == normalise_bike_code(serial_number))
    if status:
        try:
            where.append(Bike.status == BikeStatus(status).value)
        except ValueError:
            valid = ", ".join(s.value for s in BikeStatus)
            raise ValidationFailed(
                f"Unknown status; use one of: {valid}.", field="status"
            ) from None
    if category is not None:
        where.append(Bike.model_id == category)
    active = _yes_no(is_active, "is_active")
    if active is not None:
        where.append(Bike.is_active.is_(active))
    busy = _yes_no(has_active_ticket, "has_active_ticket")
    if busy is not None:
        where.append(_active_ticket() if busy else ~_active_ticket())
    key = (ordering or "-created_at").strip()
    columns = ORDERINGS.get(key.lstrip("-"))
    if columns is None:
        raise ValidationFailed(
            f"ordering must be one of: {', '.join(ORDERINGS)} (a leading - reverses it).",
            field="ordering",
        )
    order = [c.desc() for c in columns] if key.startswith("-") else list(columns)
    total = int(tx.scalar(select(func.count()).select_from(Bike).where(*where)) or 0)
    last = max(1, -(-total // per_page))
    if page > last:
        raise NotFound(f"Page {page} does not exist; there are {last} page(s).", field="page")
    rows = tx.execute(
        _ITEM.where(*where).order_by(*order).limit(per_page).offset((page - 1) * per_page)
    ).mappings()
    parts = _parts_by_model(tx)
    return Page(tuple(_item(r, parts) for r in rows), total, page, per_page)


def _item_row(tx: Tx, item_id: int) -> Mapping[Any, Any]:
    row = tx.execute(_ITEM.where(Bike.id == item_id)).mappings().first()
    if row is None:
        raise NotFound(f"No inventory item with id {item_id}.", field="id")
    return row


@reads
def inventory_item(tx: Tx, item_id: int) -> ItemView:
    tx.authorise(None)
    return _item(_item_row(tx, item_id), _parts_by_model(tx))


# --- writes -----------------------------------------------------------------------------------


def _model_exists(tx: Tx, model_id: int | None, field: str = "category") -> None:
    if model_id is not None and tx.session.get(BikeModel, model_id) is None:
        raise ValidationFailed(f"No category with id {model_id}.", field=field)


def _unique_model_name(tx: Tx, name: str, but: int | None = None) -> None:
    found = tx.session.scalars(select(BikeModel.id).where(BikeModel.name == name)).first()
    if found is not None and found != but:
        raise ValidationFailed(f"A category named {name} already exists.", field="name")


@writes
def create_category(tx: Tx, actor_id: int, name: Any) -> CategoryView:
    tx.authorise(actor_id, Permission.MANAGE_PARTS)
    clean = catalogue_name(name, "category")
    _unique_model_name(tx, clean)
    model = BikeModel(name=clean, created_at=tx.now, updated_at=tx.now)
    tx.session.add(model)
    tx.session.flush()
    return CategoryView(model.id, model.name, model.created_at, model.updated_at)


@writes
def update_category(tx: Tx, actor_id: int, category_id: int, name: Any) -> CategoryView:
    tx.authorise(actor_id, Permission.MANAGE_PARTS)
    model = tx.session.get(BikeModel, category_id)
    if model is None:
        raise NotFound(f"No category with id {category_id}.", field="id")
    if name is not None:
        clean = catalogue_name(name, "category")
        _unique_model_name(tx, clean, but=model.id)
        model.name = clean
        model.updated_at = tx.now
    return CategoryView(model.id, model.name, model.created_at, model.updated_at)


@writes
def delete_category(tx: Tx, actor_id: int, category_id: int) -> None:
    """Only a category nothing uses (no bike, no part) can go."""
    tx.authorise(actor_id, Permission.MANAGE_PARTS)
    model = tx.session.get(BikeModel, category_id)
    if model is None:
        raise NotFound(f"No category with id {category_id}.", field="id")
    bikes = tx.scalar(select(func.count()).select_from(Bike).where(Bike.model_id == model.id))
    parts = tx.scalar(select(func.count()).select_from(Part).where(Part.model_id == model.id))
    if bikes or parts:
        raise RuleViolation(
            f"Category {model.name} still has {bikes} bike(s) and {parts} part(s); "
            "move or remove them first.",
            field="id",
            code="in_use",
        )
    tx.session.delete(model)


def _status(raw: Any) -> BikeStatus:
    try:
        status = BikeStatus(raw)
    except ValueError:
        valid = ", ".join(s.value for s in SETTABLE_STATUSES)
        raise ValidationFailed(f"status must be one of: {valid}.", field="status") from None
    if status not in SETTABLE_STATUSES:
        raise ValidationFailed(
            "in_service is set by the ticket workflow (start), not by hand.", field="status"
        )
    return status


@writes
def create_item(
    tx: Tx,
    actor_id: int,
    *,
    serial_number: Any,
    category: int | None = None,
    status: Any = BikeStatus.READY.value,
    is_active: bool = True,
) -> ItemView:
    """A new bike (``serial_number`` is its code) of model ``category``."""
    tx.authorise(actor_id, Permission.MANAGE_BIKES)
    code = validate_bike_code(serial_number if isinstance(serial_number, str) else "")
    _model_exists(tx, category)
    chosen = _status(status)
    found = tx.execute(select(Bike.is_active).where(Bike.bike_code == code)).first()
    if found is not None:
        if not found[0]:
            raise ValidationFailed(
                f"Bike {code} exists but is archived; restore it (is_active: true) instead.",
                field="serial_number",
                code="archived",
            )
        raise UNIQUE_BIKE_CODE.refused(bike=code)
    bike = new_bike(tx, code)
    tx.update(
        Bike,
        bike.id,
        model_id=category,
        status=chosen.value,
        is_active=bool(is_active),
        archived_at=None if is_active else tx.now,
    )
    return _item(_item_row(tx, bike.id), _parts_by_model(tx))


@writes
def update_item(tx: Tx, actor_id: int, item_id: int, changes: Mapping[Any, Any]) -> ItemView:
    """Change a bike's model, status or whether it is in the fleet (archived when not)."""
    tx.authorise(actor_id, Permission.MANAGE_BIKES)
    row = _item_row(tx, item_id)
    values: dict[str, Any] = {}
    code = changes.get("serial_number") or changes.get("name")
    if code is not None and normalise_bike_code(str(code)) != row["bike_code"]:
        raise ValidationFailed(
            "A bike's code (its serial number) cannot change; add the bike with the new code.",
            field="serial_number",
        )
    if "category" in changes:
        _model_exists(tx, changes["category"])
        values["model_id"] = changes["category"]
    busy = bool(row["has_active_ticket"])
    if changes.get("status") is not None and changes["status"] != row["status"]:
        if busy:
            raise RuleViolation(
                f"Bike {row['bike_code']} has an active ticket; its status follows the ticket.",
                field="status",
                code="active_ticket_exists",
            )
        values["status"] = _status(changes["status"]).value
    if changes.get("is_active") is not None and bool(changes["is_active"]) != row["is_active"]:
        if busy and not changes["is_active"]:
            raise RuleViolation(
                f"Bike {row['bike_code']} has an active ticket; finish it before archiving.",
                field="is_active",
                code="active_ticket_exists",
            )
        values["is_active"] = bool(changes["is_active"])
        values["archived_at"] = None if changes["is_active"] else tx.now
    if values:
        tx.update(Bike, item_id, **values, updated_at=tx.now)
    return _item(_item_row(tx, item_id), _parts_by_model(tx))


@writes
def create_inventory_part(tx: Tx, actor_id: int, category: Any, name: Any) -> InventoryPartView:
    tx.authorise(actor_id, Permission.MANAGE_PARTS)
    if isinstance(category, bool) or not isinstance(category, int):
        raise ValidationFailed("category must be a category's id.", field="category")
    _model_exists(tx, category)
    clean = catalogue_name(name, "part")
    part = tx.session.scalars(
        select(Part).where(Part.model_id == category, Part.name == clean)
    ).first()
    if part is not None and not part.is_archived:
        raise ValidationFailed(f"That category already has a part named {clean}.", field="name")
    if part is None:
        part = Part(model_id=category, name=clean, is_archived=False, created_at=tx.now)
        tx.session.add(part)
    part.is_archived = False
    part.updated_at = tx.now
    tx.session.flush()
    return InventoryPartView(
        part.id, part.model_id, None, part.name, part.created_at, part.updated_at
    )


@writes
def update_inventory_part(
    tx: Tx, actor_id: int, part_id: int, changes: Mapping[Any, Any]
) -> InventoryPartView:
    tx.authorise(actor_id, Permission.MANAGE_PARTS)
    part = tx.session.get(Part, part_id)
    if part is None or part.is_archived:
        raise NotFound(f"No part with id {part_id}.", field="id")
    if changes.get("category") is not None:
        _model_exists(tx, changes["category"])
        part.model_id = changes["category"]
    if changes.get("name") is not None:
        part.name = catalogue_name(changes["name"], "part")
    clash = tx.session.scalars(
        select(Part.id).where(
            Part.model_id == part.model_id, Part.name == part.name, Part.id != part.id
        )
    ).first()
    if clash is not None:
        raise ValidationFailed(f"That category already has a part named {part.name}.", field="name")
    part.updated_at = tx.now
    return InventoryPartView(
        part.id, part.model_id, None, part.name, part.created_at, part.updated_at
    )
