"""Users and their roles: create, list, change roles, deactivate, authenticate.

Passwords are hashed with argon2id; a hash made with older parameters is
replaced on the next successful login.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select

from .errors import AuthenticationFailed, NotFound, ValidationFailed
from .models import WITH_ROLES, RoleRow, User, UserRole
from .rules import Permission
from .shop import Shop, Tx, reads, writes
from .text import clean_text, storable
from .values import ROLE_NAMES, Role
from .views import RoleView, UserView

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{2,150}$")
MIN_PASSWORD_LENGTH = 4


def user_view(user: User) -> UserView:
    return UserView(
        id=user.id,
        username=user.username,
        first_name=user.first_name,
        last_name=user.last_name,
        is_active=user.is_active,
        roles=tuple(RoleView(slug, ROLE_NAMES[Role(slug)]) for slug in user.role_slugs),
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


def parse_roles(roles: Iterable[str]) -> list[Role]:
    """Role slugs to roles; an unknown slug names the valid ones."""
    parsed: list[Role] = []
    for raw in roles:
        try:
            role = Role(raw.strip().lower())
        except ValueError:
            valid = ", ".join(r.value for r in Role)
            raise ValidationFailed(
                f"Unknown role {raw!r}; use one of: {valid}.", field="roles"
            ) from None
        if role not in parsed:
            parsed.append(role)
    return parsed


def _check_password(password: str) -> None:
    clean_text(password, "password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )


def _authorise_admin(tx: Tx, actor_id: int | None) -> None:
    tx.authorise(actor_id, Permission.MANAGE_USERS)


def _find(tx: Tx, username: str) -> User | None:
    return tx.session.scalar(
        select(User)
        .where(func.lower(User.username) == username.strip().lower())
        .options(WITH_ROLES)
    )


def _get(tx: Tx, user_id: int) -> User:
    user = tx.session.get(User, user_id, options=[WITH_ROLES])
    if user is None:
        raise NotFound(f"No user with id {user_id}.", field="user_id")
    return user


@writes
def create_user(
    tx: Tx,
    actor_id: int | None,
    username: str,
    password: str,
    *,
    roles: Iterable[str] = (),
    first_name: str = "",
    last_name: str = "",
) -> UserView:
    """Create a user; with no role they may log in and read but not act."""
    _authorise_admin(tx, actor_id)
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise ValidationFailed(
            "Username must be 2-150 characters of letters, digits and . _ @ + -.",
            field="username",
        )
    _check_password(password)
    parsed = parse_roles(roles)
    if _find(tx, username) is not None:
        raise ValidationFailed(
            f"Username {username!r} is taken (usernames ignore case); choose another.",
            field="username",
            code="duplicate",
        )
    user = User(
        username=username,
        first_name=clean_text(first_name, "first_name").strip(),
        last_name=clean_text(last_name, "last_name").strip(),
        password_hash=tx.shop.hasher.hash(password),
        is_active=True,
        created_at=tx.now,
        updated_at=tx.now,
    )
    user.role_links = [UserRole(role_slug=r.value) for r in parsed]
    tx.session.add(user)
    tx.session.flush()
    return user_view(user)


@writes
def set_roles(tx: Tx, actor_id: int | None, user_id: int, roles: Iterable[str]) -> UserView:
    """Replace a user's roles."""
    _authorise_admin(tx, actor_id)
    user = _get(tx, user_id)
    user.role_links = [UserRole(role_slug=r.value) for r in parse_roles(roles)]
    user.updated_at = tx.now
    tx.session.flush()
    return user_view(user)


@writes
def set_active(tx: Tx, actor_id: int | None, user_id: int, active: bool) -> UserView:
    """Deactivate (or reactivate) a user; a deactivated user can neither log in nor act."""
    _authorise_admin(tx, actor_id)
    user = _get(tx, user_id)
    user.is_active = active
    user.updated_at = tx.now
    return user_view(user)


@writes
def authenticate(tx: Tx, username: str, password: str) -> UserView:
    """The user these credentials belong to; refreshes an outdated password hash."""
    failure = AuthenticationFailed("Wrong username or password.", field="password")
    if not (storable(username) and storable(password)):
        raise failure
    user = _find(tx, username)
    if user is None or not user.is_active:
        # Spend the same effort as a real check, so timing does not reveal usernames.
        tx.shop.hasher.hash(password)
        raise failure
    try:
        tx.shop.hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise failure from None
    if tx.shop.hasher.check_needs_rehash(user.password_hash):
        user.password_hash = tx.shop.hasher.hash(password)
        user.updated_at = tx.now
    return user_view(user)


@writes
def change_password(tx: Tx, actor_id: int | None, user_id: int, password: str) -> UserView:
    """Set a new password (the user themselves, a super admin, or the local operator)."""
    if actor_id != user_id:
        _authorise_admin(tx, actor_id)
    _check_password(password)
    user = _get(tx, user_id)
    user.password_hash = tx.shop.hasher.hash(password)
    user.credentials_changed_at = tx.now
    user.updated_at = tx.now
    return user_view(user)


@reads
def session_user(tx: Tx, user_id: int, *, issued_at: datetime | None = None) -> UserView:
    """The user a login session or token belongs to, while they may still use it.

    A session that began (``issued_at``) before the user's password last changed
    is over: changing a password is how a user shuts out a stolen token.
    """
    user = tx.actor(user_id)
    changed = user.credentials_changed_at
    if issued_at is not None and changed is not None and issued_at < changed:
        raise AuthenticationFailed(
            "Your password was changed after this session began; log in again.",
            field="actor",
            code="credentials_changed",
        )
    return user_view(user)


@reads
def get_user(tx: Tx, user_id: int) -> UserView:
    return user_view(_get(tx, user_id))


@reads
def find_user(tx: Tx, username: str) -> UserView:
    user = _find(tx, username)
    if user is None:
        raise NotFound(f"No user named {username!r}.", field="username")
    return user_view(user)


@reads
def list_users(tx: Tx, *, role: str | None = None, active_only: bool = False) -> list[UserView]:
    """Users by username, optionally only those holding ``role``."""
    query = select(User).options(WITH_ROLES).order_by(func.lower(User.username))
    if role is not None:
        parse_roles([role])
        query = query.where(User.role_links.any(UserRole.role_slug == role))
    if active_only:
        query = query.where(User.is_active.is_(True))
    return [user_view(u) for u in tx.session.scalars(query)]


@reads
def list_roles(tx: Tx) -> list[RoleView]:
    return [RoleView(r.slug, r.name) for r in tx.session.scalars(select(RoleRow))]


def ensure_user(
    shop: Shop, username: str, password: str, roles: Iterable[str], first: str = "", last: str = ""
) -> UserView:
    """The named user, created with these details when missing (demo data, fixtures)."""
    try:
        return find_user(shop, username)
    except NotFound:
        return create_user(
            shop, None, username, password, roles=roles, first_name=first, last_name=last
        )
