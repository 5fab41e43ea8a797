"""Cheap change detection for live screens: a few index lookups, no table scans."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from .models import Bike, TicketTransition, User, WorkSessionEvent
from .shop import Tx, reads

ChangeMarker = tuple[int, int, datetime | None, datetime | None]


@reads
def change_marker(tx: Tx) -> ChangeMarker:
    """Something that differs whenever a ticket, timer, bike or user changes."""
    row = tx.session.execute(
        select(
            select(func.max(TicketTransition.id)).scalar_subquery(),
            select(func.max(WorkSessionEvent.id)).scalar_subquery(),
            select(func.max(Bike.updated_at)).scalar_subquery(),
            select(func.max(User.updated_at)).scalar_subquery(),
        )
    ).one()
    return (int(row[0] or 0), int(row[1] or 0), row[2], row[3])
