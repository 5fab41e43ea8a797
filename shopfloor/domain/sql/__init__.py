"""The domain's prebuilt statements, one module per aggregate.

Every statement here is built once, at import, with bound parameters, so SQLAlchemy
compiles it once and reuses it; the use cases (``tickets.py``, ``work_sessions.py``,
``bikes.py``...) only choose one and read its rows. A use case's first statement is
joined to the caller (:mod:`.caller`), whoever calls. A row comes back as a frozen
dataclass of its columns (:func:`from_row`), which the use case saves a new version of.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def from_row(cls: Callable[..., T], row: Mapping[Any, Any], **given: Any) -> T:
    """The dataclass ``cls`` from the row's columns of its fields' names; ``given``: the
    fields the row has no column for (or a value computed from several)."""
    return cls(**{name: row[name] for name in _names(cls) if name not in given}, **given)


@cache
def _names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))
