"""Role screens of the terminal UI: one screen per task.

Names are imported on first use (PEP 562): importing one module of the package (the
login screen, the header) must not import the rest, which needs the domain (issue 13).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .assign_screen import AssignScreen
    from .base import ShopScreen
    from .dashboard_screen import DashboardScreen
    from .intake_screen import IntakeScreen
    from .lock_screen import LockScreen
    from .login_screen import LoginScreen
    from .qc_queue_screen import QcQueueScreen
    from .session import Session
    from .technician_screen import TechnicianScreen
    from .ticket_detail_screen import TicketDetailScreen
    from .ticket_list_screen import TicketListScreen

_LAZY: dict[str, str] = {
    "AssignScreen": "assign_screen",
    "ShopScreen": "base",
    "DashboardScreen": "dashboard_screen",
    "IntakeScreen": "intake_screen",
    "LockScreen": "lock_screen",
    "LoginScreen": "login_screen",
    "QcQueueScreen": "qc_queue_screen",
    "Session": "session",
    "TechnicianScreen": "technician_screen",
    "TicketDetailScreen": "ticket_detail_screen",
    "TicketListScreen": "ticket_list_screen",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = [
    "AssignScreen",
    "DashboardScreen",
    "IntakeScreen",
    "LockScreen",
    "LoginScreen",
    "QcQueueScreen",
    "Session",
    "ShopScreen",
    "TechnicianScreen",
    "TicketDetailScreen",
    "TicketListScreen",
]
