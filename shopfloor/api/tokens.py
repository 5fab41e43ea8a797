"""JWT access and refresh tokens (HS256, pinned on decode).

Every token names its user in ``sub``, its kind in ``type``, the user's
credentials version in ``ver`` and expires (``exp``); tokens from a login also
name their refresh family in ``fam``, and a refresh token its own id in ``jti``
(the family's current one, see :mod:`shopfloor.domain.sessions`). A refresh
token is never accepted where an access token is needed.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

import jwt

from ..config import DEFAULT_ACCESS_TOKEN_SECONDS, DEFAULT_REFRESH_TOKEN_SECONDS
from ..domain import TokenGrant
from .errors import BEARER, ApiError

ALGORITHM = "HS256"
# Tokens whose signature was checked, kept to skip checking it again (all forgotten when full).
_REMEMBERED_TOKENS = 4096


class TokenType(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


@dataclass(frozen=True)
class Claims:
    user_id: int
    type: TokenType
    credentials_version: int
    family: str | None
    token_id: str


def unauthorised(message: str, code: str) -> ApiError:
    """A 401 that tells the client to (re)authenticate with a bearer token."""
    return ApiError(401, message, code, headers=dict(BEARER))


def _not_valid() -> ApiError:
    return unauthorised("The token is not valid; log in again to get a new one.", "token_not_valid")


@dataclass(frozen=True)
class TokenService:
    """Issues and checks tokens signed with the server's secret key."""

    secret: str
    access_ttl: int = DEFAULT_ACCESS_TOKEN_SECONDS
    refresh_ttl: int = DEFAULT_REFRESH_TOKEN_SECONDS
    _checked: dict[str, tuple[Claims, float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def refresh_lifetime(self) -> timedelta:
        return timedelta(seconds=self.refresh_ttl)

    def issue(
        self,
        user_id: int,
        kind: TokenType,
        *,
        version: int = 0,
        family: str | None = None,
        token_id: str | None = None,
    ) -> str:
        """A signed token; ``version`` must be the user's current credentials version."""
        now = int(time.time())
        ttl = self.access_ttl if kind is TokenType.ACCESS else self.refresh_ttl
        claims: dict[str, object] = {
            "sub": str(user_id),  # RFC 7519: sub is a string
            "type": kind.value,
            "ver": version,
            "iat": now,
            "exp": now + ttl,
            "jti": token_id or secrets.token_urlsafe(12),
        }
        if family is not None:
            claims["fam"] = family
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def pair(self, grant: TokenGrant) -> dict[str, str]:
        """An access token and the family's current refresh token, for ``grant``."""
        user_id, version, family = grant.user.id, grant.credentials_version, grant.family
        return {
            "access": self.issue(user_id, TokenType.ACCESS, version=version, family=family),
            "refresh": self.issue(
                user_id,
                TokenType.REFRESH,
                version=version,
                family=family,
                token_id=grant.refresh_id,
            ),
        }

    def decode(self, token: str, expected: TokenType | None = None) -> Claims:
        """The token's claims, or a 401 saying what is wrong with it.

        A client sends the same token with every request until it expires: once its
        signature and claims have been checked, they are remembered (up to a bound, by
        the token's exact text), and only the expiry is checked again.
        """
        found = self._checked.get(token)
        if found is None:
            found = self._check(token)
            if len(self._checked) >= _REMEMBERED_TOKENS:
                # Emptied, not trimmed: auth routes decode in the thread pool while the
                # event loop does too, and a clear is one step no other thread can split.
                self._checked.clear()
            self._checked[token] = found
        claims, expires = found
        if expires <= time.time():
            raise unauthorised("The token has expired; log in again.", "token_expired")
        if expected is not None and claims.type is not expected:
            raise unauthorised(
                f"This is a {claims.type.value} token; send an {expected.value} token here.",
                "token_wrong_type",
            )
        return claims

    def _check(self, token: str) -> tuple[Claims, float]:
        """Signature and claims of a token not seen before; with its expiry time."""
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                options={"require": ["exp", "iat", "sub", "type", "ver", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise unauthorised("The token has expired; log in again.", "token_expired") from None
        except jwt.InvalidTokenError:
            raise _not_valid() from None
        try:
            kind = TokenType(claims["type"])
            user_id = int(claims["sub"])
            version = claims["ver"]
            family = claims.get("fam")
            token_id = claims["jti"]
        except (ValueError, TypeError):
            raise _not_valid() from None
        if (
            not isinstance(version, int)
            or isinstance(version, bool)
            or not 0 <= version < 2**31
            or not 0 < user_id < 2**31
            or not isinstance(token_id, str)
            or not (family is None or isinstance(family, str))
            or (kind is TokenType.REFRESH and family is None)
        ):
            raise _not_valid()
        return Claims(user_id, kind, version, family, token_id), float(claims["exp"])
