"""Building test data through the domain services, never by poking tables."""

from __future__ import annotations

from typing import Any

from shopfloor.domain import Shop, TicketView, create_bike, create_ticket

CHECKLIST = [
    "Inspect frame",
    "Check brakes",
    "Check tyres",
    "Check chain",
    "Check lights",
    "Check battery",
    "Check motor",
    "Check display",
    "Check bell",
    "Test ride",
]


def intake(
    shop: Shop,
    master_id: int,
    bike_code: str = "RM-0001",
    *,
    srt: int = 45,
    create_bike_first: bool = True,
    **overrides: Any,
) -> TicketView:
    """A new ticket for ``bike_code`` (the bike is added to the fleet first by default)."""
    if create_bike_first:
        create_bike(shop, master_id, bike_code)
    fields: dict[str, Any] = {
        "bike_code": bike_code,
        "title": "Brake service",
        "checklist": list(CHECKLIST),
        "srt_total_minutes": srt,
        "approve_srt": True,
    }
    fields.update(overrides)
    return create_ticket(shop, master_id, **fields)
