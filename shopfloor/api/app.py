"""The app factory: the v1 routers over a :class:`Shop`, with envelopes and docs."""

from __future__ import annotations

from typing import Any

import swagger_ui_bundle  # type: ignore[import-untyped]
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import Settings
from ..domain import Shop
from ..domain.checklists import checklist_minimum
from .deps import ApiState, refused_caller
from .errors import error_response, install_error_handlers
from .routers import (
    analytics,
    auth,
    bikes,
    downtime,
    exports,
    history,
    inventory,
    leaderboard,
    misc,
    parts,
    tickets,
    users,
    work_sessions,
    xp,
)
from .schemas import ErrorEnvelope, checklist_json_schema
from .tokens import TokenService

API_PREFIX = "/api/v1"
DOCS_URL = "/api/docs/"
SCHEMA_URL = "/api/schema/"
# Swagger UI's files come from the installed swagger-ui-bundle package, so the docs
# page works on a workshop server with no internet.
DOCS_ASSETS_URL = "/api/docs/assets"
MAX_BODY_BYTES = 1024 * 1024

DESCRIPTION = """\
The v1 shop-floor API: ticket intake, assignment, the technician's timer, QC and XP.

Log in with `POST /api/v1/auth/login/`, then send `Authorization: Bearer <access>`.
Successes are `{"success": true, "message": "OK", "data": ...}` (lists: `results` and
counts); failures are `{"success": false, "message": "...", "error": "<code>"}`.
"""


class BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive`` once a body has streamed past the limit."""

    def __init__(self) -> None:
        super().__init__(413)


class BodySizeLimit:
    """Refuse a body over the limit: declared (Content-Length) or counted as it streams.

    A chunked body declares no length, so ``receive`` is wrapped to count the bytes as
    they arrive; past the limit it raises before reading more, and the error handlers
    answer 413 in the envelope. Starlette's own body limit answers in plain text, which
    v1 clients cannot show, hence this small middleware.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > self.limit:
                    await self._refuse(scope, receive, send)
                    return
                break
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Read where no exception handler sees it: answer here while we still can.
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413, f"The request body is larger than {self.limit} bytes; send less.", "too_large"
        )
        await response(scope, receive, send)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, made to tell the truth: 400 (never 422) for invalid input, and
    the shop's checklist minimum."""
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
    # The checklist minimum is the shop's own rule: state the one in force.
    intake = components.get("TicketCreateIn", {}).get("properties", {})
    if "checklist_snapshot" in intake:
        minimum = checklist_minimum(app.state.api.shop)
        intake["checklist_snapshot"].update(checklist_json_schema(minimum))
    app.openapi_schema = schema
    return schema


def _serve_docs(app: FastAPI) -> None:
    """Swagger UI at DOCS_URL, every file of it served by this server (no CDN)."""
    app.mount(
        DOCS_ASSETS_URL,
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="docs-assets",
    )

    @app.get(DOCS_URL, include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=SCHEMA_URL,
            title=f"{app.title} - docs",
            swagger_js_url=f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_URL}/favicon-32x32.png",
        )


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
        openapi_url=SCHEMA_URL,
        docs_url=None,
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
    install_error_handlers(app, refused_caller=refused_caller)
    for module in (auth, users, tickets, work_sessions, bikes, xp, analytics, leaderboard, misc):
        app.include_router(module.router, prefix=API_PREFIX)
    for module in (history, downtime, exports):  # issue 24
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(parts.router, prefix=API_PREFIX)  # issue 21
    app.include_router(inventory.router, prefix=API_PREFIX)  # issue 22
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    _serve_docs(app)
    app.add_middleware(BodySizeLimit)
    if settings.cors_origins:
        # Added last, so outermost: refusals (401, 413, ...) carry CORS headers too, and
        # a browser page on an allowed origin can read them.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            # PATCH, PUT and DELETE too: the later web admin edits its inventory with them.
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    return app
