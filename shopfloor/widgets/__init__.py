"""Widgets shared by the role screens."""

from .checklist import ChecklistEditor, ChecklistView
from .header import SessionHeader
from .ticket_pager import Column, TicketPager
from .timer import WorkTimer

__all__ = [
    "ChecklistEditor",
    "ChecklistView",
    "Column",
    "SessionHeader",
    "TicketPager",
    "WorkTimer",
]
