"""Domain errors: what went wrong, in words a person can act on.

Entrypoints map the class to a status (the API) or show ``message`` where the
user is looking (the TUI); nothing else crosses the layer boundary.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ValidationFailed(DomainError):
    """Input that can never be accepted as given (bad field value)."""

    code = "validation_error"


class RuleViolation(DomainError):
    """Valid input that a workshop rule refuses right now (an active ticket exists, ...)."""

    code = "rule_violation"


class TransitionNotAllowed(DomainError):
    """The ticket or work session is not in a state that allows the action."""

    code = "invalid_transition"


class PermissionDenied(DomainError):
    """The acting user's roles do not allow the action."""

    code = "permission_denied"


class NotFound(DomainError):
    """A referenced record does not exist."""

    code = "not_found"


class AuthenticationFailed(DomainError):
    """Credentials or identity could not be verified."""

    code = "authentication_failed"


class TooManyAttempts(DomainError):
    """Too many failed attempts from one client (or for one username) in the window."""

    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ShopUnavailable(DomainError):
    """The shop's database cannot be reached right now, or is too busy; try again."""

    code = "database_unavailable"


def unavailable() -> ShopUnavailable:
    """Down, unreachable, locked past the busy timeout, or every connection in use."""
    return ShopUnavailable(
        "The shop database is unavailable or busy; try again in a moment.", field="database"
    )


class SchemaOutOfDate(DomainError):
    """The database has not been migrated to the schema this code expects."""

    code = "schema_out_of_date"
