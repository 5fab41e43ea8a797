"""The parts catalogue's statements (bike models, parts), part specs and parts waiting."""

from __future__ import annotations

from sqlalchemy import Integer, String, bindparam, select

from ..models import Bike, BikeModel, Part, PartWaiting, Ticket, User, WorkshopRules
from .caller import joined, person

_models = BikeModel.__table__
_parts = Part.__table__
_waiting = PartWaiting.__table__
_tickets = Ticket.__table__
_bikes = Bike.__table__
_users = User.__table__

MODEL_ID = bindparam("model_id", type_=Integer())
NAME = bindparam("name", type_=String())
PART_ID = bindparam("part_id", type_=Integer())

MODELS = joined(select(_models), order_by=("name", "id"))
MODEL_BY_NAME = joined(select(_models).where(_models.c.name == NAME))
MODEL_BY_ID = joined(select(_models).where(_models.c.id == MODEL_ID))

_PART_COLUMNS = (*_parts.c, _models.c.name.label("model_name"))
_PART_FROM = _parts.join(_models, _models.c.id == _parts.c.model_id)

# Every part (archived ones too: ``include_archived`` filters in Python, the list is small).
PARTS = joined(
    select(*_PART_COLUMNS).select_from(_PART_FROM), order_by=("model_name", "name", "id")
)
# One model's part by name (to add or restore), locked.
PART_BY_NAME = joined(
    select(*_PART_COLUMNS)
    .select_from(_PART_FROM)
    .where(_parts.c.model_id == MODEL_ID, _parts.c.name == NAME)
    .with_for_update(of=_parts)
)
PART_BY_ID = joined(select(*_PART_COLUMNS).select_from(_PART_FROM).where(_parts.c.id == PART_ID))
# Parts named by intake's specs (after the caller's check).
PARTS_BY_IDS = select(_parts.c.id, _parts.c.name, _parts.c.is_archived).where(
    _parts.c.id.in_(bindparam("ids", type_=Integer(), expanding=True))
)
TEMPLATE = select(WorkshopRules.default_checklist).where(WorkshopRules.id == 1)

# The parts waiting list: what, how many, for which bike, asked by whom and since when.
_asker = _users.alias("asker")
WAITING_COLUMNS = (
    _waiting.c.id,
    _waiting.c.ticket_id,
    _waiting.c.part_id,
    _waiting.c.description,
    _waiting.c.quantity,
    _waiting.c.asked_by_id,
    _waiting.c.asked_at,
    _waiting.c.arrived_by_id,
    _waiting.c.arrived_at,
    _parts.c.name.label("part_name"),
    _bikes.c.bike_code,
    *person(_asker, "asker"),
)
_WAITING_FROM = (
    _waiting.join(_tickets, _tickets.c.id == _waiting.c.ticket_id)
    .join(_bikes, _bikes.c.id == _tickets.c.bike_id)
    .join(_asker, _asker.c.id == _waiting.c.asked_by_id)
    .outerjoin(_parts, _parts.c.id == _waiting.c.part_id)
)
WAITING = joined(
    select(*WAITING_COLUMNS).select_from(_WAITING_FROM).where(_waiting.c.arrived_at.is_(None)),
    order_by=("asked_at", "id"),
)
WAITING_ALL = joined(
    select(*WAITING_COLUMNS).select_from(_WAITING_FROM), order_by=("asked_at", "id")
)
WAITING_BY_ID = joined(
    select(*WAITING_COLUMNS, _tickets.c.work_state)
    .select_from(_WAITING_FROM)
    .where(_waiting.c.id == bindparam("waiting_id", type_=Integer()))
    .with_for_update(of=_tickets)
)
