"""auth/login/, auth/refresh/, auth/verify/: JWT pairs for a username and password."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ...domain import AuthenticationFailed, authenticate, session_user
from ..deps import StateDep
from ..responses import errors
from ..schemas import (
    AccessToken,
    Envelope,
    LoginIn,
    RefreshIn,
    TokenPair,
    TokenValid,
    VerifyIn,
    ok,
)
from ..tokens import TokenType

router = APIRouter(prefix="/auth", tags=["auth"])


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/login/", response_model=Envelope[TokenPair], responses=errors(400, 401, 429))
def login(body: LoginIn, request: Request, state: StateDep) -> dict[str, object]:
    """Exchange a username and password for an access and a refresh token."""
    address = _client_address(request)
    state.throttle.check(address, body.username)
    try:
        user = authenticate(state.shop, body.username, body.password)
    except AuthenticationFailed:
        state.throttle.failed(address, body.username)
        raise
    state.throttle.succeeded(address, body.username)
    return ok(
        {
            "access": state.tokens.issue(user.id, TokenType.ACCESS),
            "refresh": state.tokens.issue(user.id, TokenType.REFRESH),
        }
    )


@router.post("/refresh/", response_model=Envelope[AccessToken], responses=errors(400, 401))
def refresh(body: RefreshIn, state: StateDep) -> dict[str, object]:
    """A new access token (and a rotated refresh token) for a valid refresh token."""
    claims = state.tokens.decode(body.refresh, TokenType.REFRESH)
    user_id = session_user(state.shop, claims.user_id, issued_at=claims.issued_at).id
    return ok(
        {
            "access": state.tokens.issue(user_id, TokenType.ACCESS),
            "refresh": state.tokens.issue(user_id, TokenType.REFRESH),
        }
    )


@router.post("/verify/", response_model=Envelope[TokenValid], responses=errors(400, 401))
def verify(body: VerifyIn, state: StateDep) -> dict[str, object]:
    """200 when the token (access or refresh) is genuine, unexpired and its user active."""
    claims = state.tokens.decode(body.token)
    session_user(state.shop, claims.user_id, issued_at=claims.issued_at)
    return ok({"detail": "Token is valid"})
