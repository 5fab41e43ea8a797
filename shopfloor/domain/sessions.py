"""Token sessions: who may still use a token, and refresh-token rotation.

A token carries its user's credentials version; it is honoured only while that
equals the user's current one, so a password change or a deactivation ends
every token issued before it, even within the same second, and reactivating a
user does not bring them back.

Each API login starts a *family* of refresh tokens. A refresh retires the
family's current token and names a new one; presenting a retired token means
it was copied (RFC 6819 5.2.2.3, OAuth 2.0 Security BCP 4.14), so the whole
family is revoked, together with the access tokens issued in it.

``refresh_families`` is a cold table, written here alone through the ORM session
(``tx.session``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from .errors import AuthenticationFailed
from .models import WITH_ROLES, RefreshFamily, User
from .shop import (
    Caller,
    Shop,
    Tx,
    credentials_changed,
    reads,
    session_revoked,
    user_inactive,
    writes,
)
from .users import VerifiedLogin, store_login, user_view, verify_login
from .views import UserView

# Expired families are deleted a while after expiry, a few at a time.
PRUNE_BATCH = 100


@dataclass(frozen=True)
class TokenGrant:
    """What new tokens for a user must carry."""

    user: UserView
    credentials_version: int
    family: str
    refresh_id: str  # the family's current refresh token; any other is retired


def _new_id() -> str:
    return secrets.token_urlsafe(24)


def session_user(
    shop: Shop,
    user_id: int,
    *,
    credentials_version: int | None = None,
    family: str | None = None,
    refresh_id: str | None = None,
) -> UserView:
    """The user a token belongs to, while they may still use it.

    Refused when the user is gone or deactivated, when the token's credentials
    version is not the user's current one, when its refresh family was revoked,
    or (``refresh_id``, a refresh token) when that token has been retired.
    """
    token = shop.acting_as(Caller(user_id, credentials_version, family))
    return _token_user(token, refresh_id if family is not None else None)


@reads
def caller_user(tx: Tx) -> UserView:
    """The user the shop acts for (:meth:`Shop.acting_as`), checked in this transaction."""
    return _user_of_caller(tx, None)


@reads
def _token_user(tx: Tx, refresh_id: str | None) -> UserView:
    return _user_of_caller(tx, refresh_id)


def _user_of_caller(tx: Tx, refresh_id: str | None) -> UserView:
    """The caller's user with their roles (users and families are cold tables: read
    through the ORM session once the caller was admitted)."""
    tx.authorise(None)
    actor = tx.acting
    if refresh_id is not None and tx.shop.caller is not None:
        family = tx.session.get_one(RefreshFamily, tx.shop.caller.family)
        if family.current_token != refresh_id:
            raise AuthenticationFailed(
                "This refresh token has been replaced by a newer one; use that, or log in again.",
                field="token",
                code="refresh_token_retired",
            )
    return user_view(tx.session.get_one(User, actor.id, options=[WITH_ROLES]))


@writes
def _start_family(tx: Tx, login: VerifiedLogin, lifetime: timedelta) -> TokenGrant:
    user = store_login(tx, login)
    family = RefreshFamily(
        id=_new_id(),
        user_id=user.id,
        current_token=_new_id(),
        created_at=tx.now,
        rotated_at=tx.now,
        expires_at=tx.now + lifetime,
    )
    tx.session.add(family)
    _prune_families(tx)
    return TokenGrant(user_view(user), user.credentials_version, family.id, family.current_token)


def _prune_families(tx: Tx) -> None:
    """Forget families whose newest refresh token has expired (nothing can use them)."""
    expired = (
        select(RefreshFamily.id)
        .where(RefreshFamily.expires_at < tx.now - timedelta(days=1))
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    tx.session.execute(delete(RefreshFamily).where(RefreshFamily.id.in_(expired)))


def log_in(
    shop: Shop, username: str, password: str, *, client: str, refresh_lifetime: timedelta
) -> TokenGrant:
    """Check the credentials (throttled per ``client``) and start a refresh family."""
    login = verify_login(shop, username, password, client=client)
    return _start_family(shop, login, refresh_lifetime)


@writes
def _rotate(
    tx: Tx,
    user_id: int,
    credentials_version: int,
    family: str,
    refresh_id: str,
    lifetime: timedelta,
) -> TokenGrant | AuthenticationFailed:
    row = tx.session.get(RefreshFamily, family, with_for_update=True)
    if row is None or row.user_id != user_id:
        raise AuthenticationFailed(
            "The refresh token is not valid; log in again.", field="refresh", code="token_not_valid"
        )
    if row.revoked_at is not None:
        raise session_revoked()
    user = tx.session.get(User, user_id, options=[WITH_ROLES])
    if user is None or not user.is_active:
        raise user_inactive()
    if credentials_version != user.credentials_version:
        raise credentials_changed()
    if row.current_token != refresh_id:
        # A retired token came back: someone holds a copy. End the family for both.
        row.revoked_at = tx.now
        return AuthenticationFailed(
            "This refresh token was already used, so the session it belongs to has been "
            "ended for safety; log in again.",
            field="refresh",
            code="refresh_token_reused",
        )
    row.current_token = _new_id()
    row.rotated_at = tx.now
    row.expires_at = tx.now + lifetime
    return TokenGrant(user_view(user), user.credentials_version, row.id, row.current_token)


def rotate_refresh(
    shop: Shop,
    user_id: int,
    *,
    credentials_version: int,
    family: str,
    refresh_id: str,
    lifetime: timedelta,
) -> TokenGrant:
    """Retire the refresh token ``refresh_id`` and name its successor.

    A retired token revokes its family (committed before the refusal is raised).
    """
    outcome = _rotate(shop, user_id, credentials_version, family, refresh_id, lifetime)
    if isinstance(outcome, AuthenticationFailed):
        raise outcome
    return outcome
