"""Role screens of the terminal UI: one screen per task."""

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
