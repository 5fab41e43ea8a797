"""Every failure as the v1 error envelope, with the status the contract names.

Domain errors carry their own sentence and code; request validation failures
become 400 naming the field (never 422); unknown paths and methods are
enveloped too; anything unexpected is a logged 500 with no stack trace.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..domain import (
    AuthenticationFailed,
    DomainError,
    NotFound,
    PermissionDenied,
    RuleViolation,
    SchemaOutOfDate,
    ShopUnavailable,
    TooManyAttempts,
    TransitionNotAllowed,
    ValidationFailed,
)
from .schemas import INTAKE_TAGS

log = logging.getLogger("shopfloor.api")

BEARER = {"WWW-Authenticate": "Bearer"}

DOMAIN_STATUS: dict[type[DomainError], int] = {
    ValidationFailed: 400,
    RuleViolation: 400,
    TransitionNotAllowed: 400,
    PermissionDenied: 403,
    NotFound: 404,
    AuthenticationFailed: 401,
    TooManyAttempts: 429,
    SchemaOutOfDate: 503,
    ShopUnavailable: 503,
}

HTTP_CODES: dict[int, tuple[str, str]] = {
    # FastAPI raises a bare 400 when the body cannot be parsed at all.
    400: ("bad_request", "The request body is not valid JSON; send a JSON object."),
    401: ("not_authenticated", "Log in and send the access token as 'Authorization: Bearer'."),
    403: ("permission_denied", "Your roles do not allow this action."),
    404: ("not_found", "There is nothing at this path; check the URL against /api/docs/."),
    405: ("method_not_allowed", "This path does not accept that method; see the Allow header."),
    413: ("too_large", "The request body is larger than 1 MB; send less."),
    429: ("too_many_requests", "Too many attempts; wait a moment and try again."),
}


class ApiError(Exception):
    """A failure decided by the HTTP layer itself (tokens, throttling)."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}


def error_response(
    status: int,
    message: str,
    code: str,
    *,
    fields: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"success": False, "message": message, "error": code}
    if fields:
        body["fields"] = fields
    return JSONResponse(body, status_code=status, headers=headers)


def _status_of(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in DOMAIN_STATUS:
            return DOMAIN_STATUS[cls]
    return 400


async def on_domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = _status_of(exc)
    fields = {exc.field: [exc.message]} if exc.field else None
    headers = {401: BEARER, 503: {"Retry-After": "1"}}.get(status)
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after)}
    if status == 503:
        log.warning("database unavailable: %s", exc.__cause__ or exc)
    return error_response(status, exc.message, exc.code, fields=fields, headers=headers)


async def on_api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.code, headers=exc.headers)


def _path_pattern(template: str) -> str:
    """A documented path as a regular expression: ids (``{..._id}``, ``{task}``) are
    digits, as their routes' ``:id`` convertor wants (so ``tickets/create/`` is no
    ``tickets/{ticket_id}/``); any other parameter is one segment."""
    pattern = ""
    for part in re.split(r"(\{[^/]+?\})", template):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            pattern += "[0-9]+" if name.endswith("_id") or name == "task" else "[^/]+"
        else:
            pattern += re.escape(part)
    return pattern


def _allowed_methods(request: Request) -> str | None:
    """Every method the API documents at this path (Starlette names one route's only, and
    a path like ``inventory/items/`` has a route per method)."""
    path = request.url.path
    methods: set[str] = set()
    for template, item in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(_path_pattern(template), path):
            methods |= {method.upper() for method in item}
    return ", ".join(sorted(methods)) or None


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    # Starlette's details ("Not Found", "Method Not Allowed") are placeholders; clients
    # show ``message`` to people, so it is always one of our sentences.
    code, message = HTTP_CODES.get(exc.status_code, ("http_error", "The request failed."))
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        headers["Allow"] = allowed
    if exc.status_code == 401:
        headers.update(BEARER)
    return error_response(exc.status_code, message, code, headers=headers or None)


def _field_name(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc[1:]] if loc and loc[0] in ("body", "query", "path") else []
    if parts and parts[0] in INTAKE_TAGS:
        parts = parts[1:]  # which of intake's two bodies it was is no field of the request
    name = ""
    for part in parts:
        name += f"[{part}]" if part.isdigit() else (f".{part}" if name else part)
    return name or "body"


def _sentence(field: str, error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "json_invalid":
        return "The request body is not valid JSON; send a JSON object."
    if kind == "missing":
        if field == "body":
            return "The request body is missing; send a JSON object."
        return f"{field} is required; add it to the request."
    if field == "body" and kind in ("model_attributes_type", "dict_type", "model_type"):
        return "The request body must be a JSON object."
    msg = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    if msg.startswith("Input should"):
        msg = "should" + msg[len("Input should") :]
    else:
        msg = msg[:1].lower() + msg[1:]
    return f"{field}: {msg}.".replace("..", ".")


async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("loc", ("",))[0] == "path" for e in errors):
        # A path id that is not a possible id names nothing: the resource is not there.
        return error_response(404, "Nothing has that id; check the id in the path.", "not_found")
    fields: dict[str, list[str]] = {}
    for error in errors:
        field = _field_name(error.get("loc", ()))
        message = _sentence(field, error)
        if message not in fields.setdefault(field, []):
            fields[field].append(message)
    first = next(iter(fields.values()))[0] if fields else "The request is not valid."
    return error_response(400, first, "validation_error", fields=fields)


async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc)
    return error_response(
        500,
        "The server hit an unexpected error and logged it; try again or tell an administrator.",
        "internal_error",
    )


CallerCheck = Callable[[Request], Awaitable[DomainError | None]]


def install_error_handlers(app: FastAPI, *, refused_caller: CallerCheck | None = None) -> None:
    """Route every failure through the envelope.

    ``refused_caller`` says why a request's caller may no longer act (a token whose
    session has ended): such a request is answered 401 even when its input is also
    invalid, as it would be had the input been valid, so a client logs in again
    instead of fixing input it may not send anyway.
    """

    async def on_invalid_request(request: Request, exc: Exception) -> JSONResponse:
        refusal = await refused_caller(request) if refused_caller is not None else None
        if refusal is not None:
            return await on_domain_error(request, refusal)
        return await on_validation_error(request, exc)

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(Exception, on_unexpected)
