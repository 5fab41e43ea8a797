"""The app factory: the v1 routers over a :class:`Shop`, with envelopes and docs."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import Settings
from ..domain import Shop
from .deps import ApiState
from .errors import error_response, install_error_handlers
from .routers import analytics, auth, bikes, misc, tickets, users, work_sessions, xp
from .schemas import ErrorEnvelope
from .tokens import TokenService

API_PREFIX = "/api/v1"
MAX_BODY_BYTES = 1024 * 1024

DESCRIPTION = """\
The v1 shop-floor API: ticket intake, assignment, the technician's timer, QC and XP.

Log in with `POST /api/v1/auth/login/`, then send `Authorization: Bearer <access>`.
Successes are `{"success": true, "message": "OK", "data": ...}` (lists: `results` and
counts); failures are `{"success": false, "message": "...", "error": "<code>"}`.
"""


class BodySizeLimit:
    """Refuse a declared body over the limit before anything reads it."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"content-length":
                    if not value.isdigit() or int(value) > self.limit:
                        response = error_response(
                            413,
                            f"The request body is larger than {self.limit} bytes; send less.",
                            "too_large",
                        )
                        await response(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, made to tell the truth: 400 (never 422) for invalid input."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    error_ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None and "400" not in responses:
                responses["400"] = {
                    "description": "Invalid input.",
                    "content": {"application/json": {"schema": error_ref}},
                }
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    components.setdefault("ErrorEnvelope", ErrorEnvelope.model_json_schema())
    app.openapi_schema = schema
    return schema


def create_app(
    shop: Shop,
    settings: Settings,
    *,
    tokens: TokenService | None = None,
) -> FastAPI:
    """The HTTP API over ``shop``; tokens are signed with ``settings.secret_key()``
    and last as long as ``settings`` says."""
    app = FastAPI(
        title="shopfloor API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url="/api/schema/",
        docs_url="/api/docs/",
        redoc_url=None,
    )
    app.state.api = ApiState(
        shop=shop,
        tokens=tokens
        or TokenService(
            settings.secret_key(),
            access_ttl=settings.access_token_seconds,
            refresh_ttl=settings.refresh_token_seconds,
        ),
        trusted_proxies=settings.trusted_proxies,
    )
    install_error_handlers(app)
    for module in (auth, users, tickets, work_sessions, bikes, xp, analytics, misc):
        app.include_router(module.router, prefix=API_PREFIX)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(BodySizeLimit)
    return app
