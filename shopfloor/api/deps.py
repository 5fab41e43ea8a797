"""Dependencies: the shop, the token service, and the authenticated user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..config import Network
from ..domain import Shop, UserView, session_user
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


def get_shop(state: Annotated[ApiState, Depends(api_state)]) -> Shop:
    return state.shop


_bearer = HTTPBearer(auto_error=False, description="An access token from auth/login/.")


def current_user(
    state: Annotated[ApiState, Depends(api_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> UserView:
    """The active user named by the bearer access token, or 401."""
    if credentials is None or not credentials.credentials:
        raise unauthorised(
            "Authentication credentials were not provided; send 'Authorization: Bearer <token>'.",
            "not_authenticated",
        )
    claims = state.tokens.decode(credentials.credentials, TokenType.ACCESS)
    return session_user(
        state.shop,
        claims.user_id,
        credentials_version=claims.credentials_version,
        family=claims.family,
    )


ShopDep = Annotated[Shop, Depends(get_shop)]
StateDep = Annotated[ApiState, Depends(api_state)]
UserDep = Annotated[UserView, Depends(current_user)]
