"""The documented error responses, so the OpenAPI schema shows every envelope a route sends."""

from __future__ import annotations

from typing import Any

from .schemas import ErrorEnvelope

_DESCRIPTIONS: dict[int, str] = {
    400: "Invalid input or an action the current state does not allow.",
    401: "Missing, invalid or expired token (with `WWW-Authenticate: Bearer`).",
    403: "Your roles do not allow this action.",
    404: "No such id, or a page past the last one.",
    429: "Too many failed attempts; see `Retry-After`.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that can fail with ``statuses``."""
    return {s: {"model": ErrorEnvelope, "description": _DESCRIPTIONS[s]} for s in statuses}


# What any authenticated route can answer besides success.
AUTHED = errors(400, 401, 403, 404)
