"""Widgets shared by the role screens.

Names are imported on first use (PEP 562): importing one module of the package (the
login screen, the header) must not import the rest, which needs the domain (issue 13).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .checklist import ChecklistEditor, ChecklistView
    from .header import SessionHeader
    from .ticket_pager import Column, TicketPager
    from .timer import WorkTimer

_LAZY: dict[str, str] = {
    "ChecklistEditor": "checklist",
    "ChecklistView": "checklist",
    "SessionHeader": "header",
    "Column": "ticket_pager",
    "TicketPager": "ticket_pager",
    "WorkTimer": "timer",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = [
    "ChecklistEditor",
    "ChecklistView",
    "Column",
    "SessionHeader",
    "TicketPager",
    "WorkTimer",
]
