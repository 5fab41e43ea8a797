"""The parts catalogue by bike model, and the parts parked tickets wait for (issue 21).

Bike models and parts are managed by masters, ops managers and super admins (or the
local operator at the CLI). Removing a part archives it: tickets that named it keep
its name, intake no longer offers it, and adding it again restores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .bikes import validate_bike_code
from .errors import NotFound, ValidationFailed
from .models import Bike, BikeModel, Part, PartWaiting, Ticket
from .partwork import state_of
from .rules import Permission
from .shop import Tx, reads, writes
from .sql import bikes as bike_sql
from .sql import parts as sql
from .sql.caller import name_of
from .text import clean_text
from .views import BikeModelView, PartView, PartWaitingView

MAX_NAME = 100


def catalogue_name(raw: Any, what: str) -> str:
    """A model's or part's name, cleaned, or a sentence saying what is wrong."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationFailed(f"Give the {what} a name.", field="name")
    name = " ".join(clean_text(raw, "name").split())
    if len(name) > MAX_NAME:
        raise ValidationFailed(
            f"The {what}'s name is longer than {MAX_NAME} characters.", field="name"
        )
    return name


def _model_view(row: Mapping[Any, Any]) -> BikeModelView:
    return BikeModelView(row["id"], row["name"], row["created_at"], row["updated_at"])


def _part_view(row: Mapping[Any, Any]) -> PartView:
    return PartView(
        row["id"],
        row["model_id"],
        row["model_name"],
        row["name"],
        bool(row["is_archived"]),
        row["created_at"],
        row["updated_at"],
    )


# --- bike models ------------------------------------------------------------------------------


@writes
def add_bike_model(tx: Tx, actor_id: int | None, name: str) -> BikeModelView:
    """A new bike model (its name unique)."""
    found = tx.read(
        sql.MODEL_BY_NAME,
        {"name": catalogue_name(name, "model") if isinstance(name, str) and name.strip() else ""},
        actor=actor_id,
        permission=Permission.MANAGE_PARTS,
    )
    clean = catalogue_name(name, "model")
    if found:
        raise ValidationFailed(f"Bike model {clean} already exists.", field="name")
    values = {"name": clean, "created_at": tx.now, "updated_at": tx.now}
    return BikeModelView(tx.insert_for_id(BikeModel, values), clean, tx.now, tx.now)


@reads
def list_bike_models(tx: Tx, actor_id: int | None = None) -> list[BikeModelView]:
    """Every bike model, by name."""
    return [_model_view(row) for row in tx.read(sql.MODELS, actor=actor_id)]


@writes
def set_bike_model(
    tx: Tx, actor_id: int | None, bike_code: str, model_id: int | str | None
) -> None:
    """Say which model a bike is, by the model's id or name (``None``: not said)."""
    code = validate_bike_code(bike_code)
    found = tx.read(
        bike_sql.LOCK_BY_CODE, {"code": code}, actor=actor_id, permission=Permission.MANAGE_BIKES
    )
    if not found:
        raise NotFound(f"No bike {code}.", field="bike_code")
    model = None if model_id is None else _model_id(tx, model_id)
    tx.update(Bike, found[0]["id"], model_id=model, updated_at=tx.now)


def _nobody(model_id: int) -> dict[str, Any]:
    return {"model_id": model_id, "caller_id": None, "caller_family": None}


# --- parts ------------------------------------------------------------------------------------


def _model_id(tx: Tx, model: int | str) -> int:
    """The id of the model named (by id or by name)."""
    if isinstance(model, int) and not isinstance(model, bool):
        rows = tx.execute(sql.MODEL_BY_ID, _nobody(model)).mappings().all()
    else:
        bound = {"name": str(model).strip(), "caller_id": None, "caller_family": None}
        rows = tx.execute(sql.MODEL_BY_NAME, bound).mappings().all()
    if not rows or rows[0]["id"] is None:
        raise ValidationFailed(
            f"No bike model {model!s}; add it first (shopfloor model add).", field="model"
        )
    return int(rows[0]["id"])


@writes
def add_part(tx: Tx, actor_id: int | None, model: int | str, name: str) -> PartView:
    """A part of ``model`` (its id or name) in the catalogue; a removed one is restored."""
    tx.authorise(actor_id, Permission.MANAGE_PARTS)
    model_id = _model_id(tx, model)
    clean = catalogue_name(name, "part")
    found = tx.read(sql.PART_BY_NAME, {"model_id": model_id, "name": clean})
    if found:
        row = found[0]
        if not row["is_archived"]:
            raise ValidationFailed(
                f"{row['model_name']} already has a part named {clean}.", field="name"
            )
        tx.update(Part, row["id"], is_archived=False, updated_at=tx.now)
        return _part_view({**row, "is_archived": False, "updated_at": tx.now})
    values = {
        "model_id": model_id,
        "name": clean,
        "is_archived": False,
        "created_at": tx.now,
        "updated_at": tx.now,
    }
    part_id = tx.insert_for_id(Part, values)
    return _part_view(tx.read(sql.PART_BY_ID, {"part_id": part_id})[0])


@writes
def remove_part(tx: Tx, actor_id: int | None, part_id: int) -> PartView:
    """Take a part out of the catalogue (archived: tickets that named it keep its name)."""
    found = tx.read(
        sql.PART_BY_ID,
        {"part_id": part_id},
        actor=actor_id,
        permission=Permission.MANAGE_PARTS,
        missing=lambda: NotFound(f"No part with id {part_id}.", field="part_id"),
    )
    row = found[0]
    if not row["is_archived"]:
        tx.update(Part, part_id, is_archived=True, updated_at=tx.now)
    return _part_view({**row, "is_archived": True, "updated_at": tx.now})


@reads
def list_parts(
    tx: Tx,
    actor_id: int | None = None,
    *,
    model_id: int | None = None,
    include_removed: bool = False,
) -> list[PartView]:
    """The catalogue, by model and name (removed parts only when asked)."""
    rows = tx.read(sql.PARTS, actor=actor_id)
    return [
        _part_view(row)
        for row in rows
        if (include_removed or not row["is_archived"])
        and (model_id is None or row["model_id"] == model_id)
    ]


# --- parts waiting ----------------------------------------------------------------------------


def _waiting_view(row: Mapping[Any, Any]) -> PartWaitingView:
    return PartWaitingView(
        id=row["id"],
        ticket=row["ticket_id"],
        bike_code=row["bike_code"],
        part_id=row["part_id"],
        part_name=row["part_name"] or row["description"],
        quantity=row["quantity"],
        asked_by=row["asked_by_id"],
        asked_by_name=name_of(row, "asker") or "",
        asked_at=row["asked_at"],
        arrived_by=row["arrived_by_id"],
        arrived_at=row["arrived_at"],
    )


@reads
def parts_waiting(
    tx: Tx, actor_id: int | None = None, *, include_arrived: bool = False
) -> list[PartWaitingView]:
    """What to order: parts parked tickets wait for, oldest first (arrived ones when asked)."""
    rows = tx.read(sql.WAITING_ALL if include_arrived else sql.WAITING, actor=actor_id)
    return [_waiting_view(row) for row in rows]


@writes
def mark_part_arrived(tx: Tx, actor_id: int | None, waiting_id: int) -> PartWaitingView:
    """The part is here: the technician and the Assign board see "parts here"."""
    found = tx.lock(
        sql.WAITING_BY_ID,
        {"waiting_id": waiting_id},
        actor=actor_id,
        permission=Permission.MANAGE_PARTS,
        missing=lambda: NotFound(f"No waiting part with id {waiting_id}.", field="id"),
    )
    row = found[0] if isinstance(found, list) else found
    if row["arrived_at"] is not None:
        raise ValidationFailed(
            f"{row['part_name'] or row['description']} for {row['bike_code']} is already "
            "marked arrived.",
            field="id",
        )
    by = tx.actor.id if tx.actor is not None else None  # None: the operator at the CLI
    tx.update(PartWaiting, waiting_id, arrived_by_id=by, arrived_at=tx.now)
    state = state_of(row["work_state"])
    state["missing"] = max(0, state["missing"] - 1)
    state["arrived"] += 1
    tx.update(Ticket, row["ticket_id"], work_state=state)
    return _waiting_view({**row, "arrived_by_id": by, "arrived_at": tx.now})
