"""JWT access and refresh tokens (HS256, pinned on decode).

Every token names its user in ``sub``, its kind in ``type`` and expires
(``exp``); a refresh token is never accepted where an access token is needed.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import jwt

from .errors import BEARER, ApiError

ALGORITHM = "HS256"
ACCESS_TTL_SECONDS = 30 * 60
REFRESH_TTL_SECONDS = 7 * 24 * 3600


class TokenType(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


@dataclass(frozen=True)
class Claims:
    user_id: int
    type: TokenType
    issued_at: datetime


def unauthorised(message: str, code: str) -> ApiError:
    """A 401 that tells the client to (re)authenticate with a bearer token."""
    return ApiError(401, message, code, headers=dict(BEARER))


@dataclass(frozen=True)
class TokenService:
    """Issues and checks tokens signed with the server's secret key."""

    secret: str
    access_ttl: int = ACCESS_TTL_SECONDS
    refresh_ttl: int = REFRESH_TTL_SECONDS

    def issue(self, user_id: int, kind: TokenType) -> str:
        now = int(time.time())
        ttl = self.access_ttl if kind is TokenType.ACCESS else self.refresh_ttl
        claims = {
            "sub": str(user_id),  # RFC 7519: sub is a string
            "type": kind.value,
            "iat": now,
            "exp": now + ttl,
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def decode(self, token: str, expected: TokenType | None = None) -> Claims:
        """The token's claims, or a 401 saying what is wrong with it."""
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                options={"require": ["exp", "iat", "sub", "type"]},
            )
        except jwt.ExpiredSignatureError:
            raise unauthorised("The token has expired; log in again.", "token_expired") from None
        except jwt.InvalidTokenError:
            raise unauthorised(
                "The token is not valid; log in again to get a new one.", "token_not_valid"
            ) from None
        try:
            kind = TokenType(claims["type"])
            user_id = int(claims["sub"])
            issued_at = datetime.fromtimestamp(int(claims["iat"]), UTC)
        except (ValueError, TypeError, OverflowError, OSError):
            raise unauthorised(
                "The token is not valid; log in again to get a new one.", "token_not_valid"
            ) from None
        if expected is not None and kind is not expected:
            raise unauthorised(
                f"This is a {kind.value} token; send an {expected.value} token here.",
                "token_wrong_type",
            )
        return Claims(user_id=user_id, type=kind, issued_at=issued_at)
