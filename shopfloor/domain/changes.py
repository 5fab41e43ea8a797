"""Cheap change detection for live screens: a few index lookups, no table scans."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from .models import Bike, TicketTransition, User, WorkSessionEvent
from .shop import Tx, reads
from .sql.caller import joined

ChangeMarker = tuple[int, int, datetime | None, datetime | None]

_MARKER = joined(
    select(
        select(func.max(TicketTransition.id)).scalar_subquery().label("transition"),
        select(func.max(WorkSessionEvent.id)).scalar_subquery().label("timer_event"),
        select(func.max(Bike.updated_at)).scalar_subquery().label("bike"),
        select(func.max(User.updated_at)).scalar_subquery().label("user"),
    )
)


@reads
def change_marker(tx: Tx) -> ChangeMarker:
    """Something that differs whenever a ticket, timer, bike or user changes."""
    row = tx.read(_MARKER)[0]
    return (int(row["transition"] or 0), int(row["timer_event"] or 0), row["bike"], row["user"])
