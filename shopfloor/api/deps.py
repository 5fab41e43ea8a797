"""Dependencies: the shop, the token service, and who the request acts for.

The bearer token is checked here without the database (signature, expiry, kind);
whether its user may still act is checked by the use case's own transaction,
which the shop acting for the caller opens (see :meth:`Shop.acting_as`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..config import Network
from ..domain import AuthenticationFailed, Caller, DomainError, Shop, caller_user
from .errors import ApiError
from .throttle import LoginTurns, client_address
from .tokens import TokenService, TokenType, unauthorised


@dataclass(frozen=True)
class ApiState:
    """What every request may need, built once by the app factory."""

    shop: Shop
    tokens: TokenService
    trusted_proxies: tuple[Network, ...] = ()
    logins: LoginTurns = field(default_factory=LoginTurns)

    def client(self, request: Request) -> str:
        """The client address the throttle counts this request's attempts for."""
        return client_address(request, self.trusted_proxies)


def api_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


# The dependencies below are coroutines although nothing in them waits: FastAPI runs a
# plain function in the thread pool, and a hop there and back costs more than they do.


async def _api_state(request: Request) -> ApiState:
    return api_state(request)


_bearer = HTTPBearer(auto_error=False, description="An access token from auth/login/.")


async def current_caller(
    state: Annotated[ApiState, Depends(_api_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """Who the bearer access token names, or 401 (the database is not asked here)."""
    if credentials is None or not credentials.credentials:
        raise unauthorised(
            "Authentication credentials were not provided; send 'Authorization: Bearer <token>'.",
            "not_authenticated",
        )
    claims = state.tokens.decode(credentials.credentials, TokenType.ACCESS)
    return Caller(claims.user_id, claims.credentials_version, claims.family)


CallerDep = Annotated[Caller, Depends(current_caller)]


async def acting_shop(state: Annotated[ApiState, Depends(_api_state)], caller: CallerDep) -> Shop:
    """The shop acting for the caller: each use case checks them in its own transaction."""
    return state.shop.acting_as(caller)


ShopDep = Annotated[Shop, Depends(acting_shop)]
StateDep = Annotated[ApiState, Depends(_api_state)]


def _needs_caller(dependant: Dependant) -> bool:
    return any(d.call is current_caller or _needs_caller(d) for d in dependant.dependencies)


async def refused_caller(request: Request) -> DomainError | None:
    """Why the caller of a request that failed validation may no longer act, if so.

    Only for routes that act for a caller, and only for a token that decodes: a
    missing or broken token has been refused before validation already. The check
    is the one every use case makes, in a read transaction of its own.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not _needs_caller(route.dependant):
        return None
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    state = api_state(request)
    try:
        claims = state.tokens.decode(token.strip(), TokenType.ACCESS)
    except ApiError:
        return None
    caller = Caller(claims.user_id, claims.credentials_version, claims.family)
    try:
        await run_in_threadpool(caller_user, state.shop.acting_as(caller))
    except AuthenticationFailed as refusal:
        return refusal
    except DomainError:
        return None  # e.g. the database is busy: the validation error still stands
    return None
