"""Path and query parameters shared by the routers.

Bounds that are workshop rules (page from 1, days 1 to 90, ...) are enforced by the
domain with its own messages; here they are only documented in the schema. Ids are
bounded because anything past a SQL INTEGER can only name nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import Path, Query
from pydantic import BeforeValidator
from starlette.convertors import Convertor, register_url_convertor

from ..domain.paging import MAX_PER_PAGE
from .schemas import MAX_ID


class IdConvertor(Convertor[int]):
    """Digits in a path, as ``int`` does, but never an error for a very long number.

    Python refuses to parse an int of more than 4,300 digits (starlette's ``int``
    convertor would then fail with a 500); anything longer than a SQL INTEGER can
    only name nothing, so it becomes an out-of-range id that validation answers 404.
    """

    regex = "[0-9]+"

    def convert(self, value: str) -> int:
        return int(value) if len(value) <= len(str(MAX_ID)) else MAX_ID + 1

    def to_string(self, value: int) -> str:
        return str(value)


# Routes write ``{ticket_id:id}``; registered before any router module defines a path.
register_url_convertor("id", IdConvertor())

# What a route returns: an envelope dict that FastAPI checks against its response_model.
Reply = dict[str, object]

TicketId = Annotated[int, Path(ge=1, le=MAX_ID, description="Ticket id.")]
BikeId = Annotated[int, Path(ge=1, le=MAX_ID, description="Bike id.")]

PageNumber = Annotated[
    int, Query(description="Page number, from 1.", json_schema_extra={"minimum": 1})
]
PerPage = Annotated[
    int,
    Query(
        description=f"Items per page; more than {MAX_PER_PAGE} is capped.",
        json_schema_extra={"minimum": 1},
    ),
]


def per_page_capped(per_page: int) -> int:
    """Clients asking for more than the cap get the cap, as the contract says."""
    return min(per_page, MAX_PER_PAGE)


def _iso_day(value: object) -> object:
    """Only ``YYYY-MM-DD`` is a day (pydantic would also read ``0`` as 1970-01-01)."""
    if isinstance(value, str) and not _ISO_DAY.match(value):
        raise ValueError("should be a day written YYYY-MM-DD, e.g. 2026-03-01")
    return value


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# A shop-local day in a query (issue 24: searches and exports).
Day = Annotated[dt.date, BeforeValidator(_iso_day)]
