"""A ticket's flag colour, green, yellow or red, from the minutes that decide it.

The original flags a ticket by its ``flag_minutes``: the v1 contract's buckets are
green up to 30, yellow 31-60, red 61-120, black 121-180 and black_plus above
(:data:`.analytics.FLAG_BUCKETS`). The wall board shows three colours, so red, black
and black_plus are all red here. Today a ticket's ``flag_minutes`` is its approved
SRT once it has passed QC (minutes of standard work: a long job is a red one); a
later part-level ticket can sum its parts' minutes and call the same function.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import case, literal_column
from sqlalchemy.sql.expression import ColumnElement

from .analytics import FLAG_BUCKETS

FlagColor = Literal["green", "yellow", "red"]
FLAG_COLORS: tuple[FlagColor, ...] = ("green", "yellow", "red")
_MOST = dict(FLAG_BUCKETS)
GREEN_MOST: int = int(_MOST["green"] or 0)  # minutes, inclusive
YELLOW_MOST: int = int(_MOST["yellow"] or 0)


def flag_color(minutes: int) -> FlagColor:
    """Green up to :data:`GREEN_MOST` minutes, yellow up to :data:`YELLOW_MOST`, else red."""
    if minutes <= GREEN_MOST:
        return "green"
    if minutes <= YELLOW_MOST:
        return "yellow"
    return "red"


def flag_color_sql(minutes: Any) -> ColumnElement[str]:
    """:func:`flag_color` of a minutes column, in SQL (constants inline, so PostgreSQL sees
    a GROUP BY on it as the very expression selected)."""
    return case(
        (minutes <= literal_column(str(GREEN_MOST)), literal_column("'green'")),
        (minutes <= literal_column(str(YELLOW_MOST)), literal_column("'yellow'")),
        else_=literal_column("'red'"),
    )
