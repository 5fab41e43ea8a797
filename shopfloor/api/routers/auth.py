"""auth/login/, auth/refresh/, auth/verify/: JWT pairs for a username and password.

Every one is throttled per client address by the domain's shared throttle; the
route only says which address that is. Logins also take turns per address for the
server's password checks (:class:`~shopfloor.api.throttle.LoginTurns`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from ...domain import attempt, log_in, rotate_refresh, session_user
from ..deps import StateDep
from ..responses import errors
from ..schemas import (
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


@router.post("/login/", response_model=Envelope[TokenPair], responses=errors(400, 401, 429))
async def login(body: LoginIn, request: Request, state: StateDep) -> dict[str, object]:
    """Exchange a username and password for an access and a refresh token."""
    client = state.client(request)
    # The password check waits for its address's fair turn (see LoginTurns), on the
    # event loop: a login waiting holds no thread the other requests need.
    async with state.logins.turn(client, gone=lambda: _disconnected(request)):
        grant = await run_in_threadpool(
            log_in,
            state.shop,
            body.username,
            body.password,
            client=client,
            refresh_lifetime=state.tokens.refresh_lifetime,
        )
    return ok(state.tokens.pair(grant))


async def _disconnected(request: Request) -> None:
    """Returns once the client has closed the connection (the body is read already)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


@router.post("/refresh/", response_model=Envelope[TokenPair], responses=errors(400, 401, 429))
def refresh(body: RefreshIn, request: Request, state: StateDep) -> dict[str, object]:
    """A new access token and a new refresh token; the refresh token sent is retired.

    Sending a retired refresh token again ends its whole session (its family).
    """
    with attempt(state.shop, state.client(request)):
        claims = state.tokens.decode(body.refresh, TokenType.REFRESH)
        assert claims.family is not None  # decode refuses a refresh token without one
        grant = rotate_refresh(
            state.shop,
            claims.user_id,
            credentials_version=claims.credentials_version,
            family=claims.family,
            refresh_id=claims.token_id,
            lifetime=state.tokens.refresh_lifetime,
        )
    return ok(state.tokens.pair(grant))


@router.post("/verify/", response_model=Envelope[TokenValid], responses=errors(400, 401, 429))
def verify(body: VerifyIn, request: Request, state: StateDep) -> dict[str, object]:
    """200 when the token (access or refresh) is genuine, unexpired and its session live."""
    with attempt(state.shop, state.client(request)):
        claims = state.tokens.decode(body.token)
        session_user(
            state.shop,
            claims.user_id,
            credentials_version=claims.credentials_version,
            family=claims.family,
            refresh_id=claims.token_id if claims.type is TokenType.REFRESH else None,
        )
    return ok({"detail": "Token is valid"})
