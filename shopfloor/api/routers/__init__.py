"""One router per resource of the v1 API."""

from . import analytics, auth, bikes, misc, tickets, users, work_sessions, xp

__all__ = ["analytics", "auth", "bikes", "misc", "tickets", "users", "work_sessions", "xp"]
