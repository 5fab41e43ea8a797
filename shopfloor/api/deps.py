"""Dependencies: the shop, the token service, and who the request acts for.

The bearer token is checked here without the database (signature, expiry, kind);
whether its user may still act is checked by the use case's own transaction,
which the shop acting for the caller opens (see :meth:`Shop.acting_as`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..config import Network
from ..domain import Caller, Shop
from .throttle import client_address
from .tokens import TokenService, TokenType, unauthorised


@dataclass(frozen=True)
class ApiState:
    """What every request may need, built once by the app factory."""

    shop: Shop
    tokens: TokenService
    trusted_proxies: tuple[Network, ...] = ()

    def client(self, request: Request) -> str:
        """The client address the throttle counts this request's attempts for."""
        return client_address(request, self.trusted_proxies)


def api_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


_bearer = HTTPBearer(auto_error=False, description="An access token from auth/login/.")


def current_caller(
    state: Annotated[ApiState, Depends(api_state)],
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


def acting_shop(state: Annotated[ApiState, Depends(api_state)], caller: CallerDep) -> Shop:
    """The shop acting for the caller: each use case checks them in its own transaction."""
    return state.shop.acting_as(caller)


ShopDep = Annotated[Shop, Depends(acting_shop)]
StateDep = Annotated[ApiState, Depends(api_state)]
