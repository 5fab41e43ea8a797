"""Users and their roles: create, list, change roles, deactivate, authenticate.

Passwords are hashed with argon2id; a hash made with older parameters is
replaced on the next successful login. The argon2 check never runs inside a
write transaction, and every login is throttled in the database.

At a shared terminal a user may also log in with a badge scan and a PIN of 4-8
digits: the badge is kept as a SHA-256 digest (so a scan is found by lookup, and
the code is never stored in clear; one badge per person), the PIN argon2-hashed
like a password. Badge logins are throttled apart from passwords.

Users, their roles and the role names are cold tables: written through the ORM
session (``tx.session``), once the caller was checked (``tx.authorise``).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from . import throttle
from .errors import AuthenticationFailed, NotFound, RuleViolation, ValidationFailed
from .models import WITH_ROLES, RoleRow, User, UserChange, UserRole
from .rules import UNIQUE_USERNAME, Permission
from .shop import Shop, Tx, reads, writes
from .text import clean_text, storable
from .values import ROLE_NAMES, Role
from .views import RoleView, UserView, display_name

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{2,150}$")
MIN_PASSWORD_LENGTH = 4
PIN_RE = re.compile(r"[0-9]{4,8}")
MIN_BADGE_LENGTH = 4
MAX_BADGE_LENGTH = 64
# A badge code may not start like a bike code: a terminal would take its scan for a bike.
BIKE_SCAN_PREFIX = "RM-"


def audit(tx: Tx, user_id: int, what: str, *, actor_id: int | None = None) -> None:
    """Append what was done to a person, by whom (the admitted actor, else ``actor_id``,
    a user changing their own; NULL: the local operator) and when: every change of
    People and ``shopfloor user`` lands here."""
    by = tx.actor.id if tx.actor is not None else actor_id
    tx.insert(
        UserChange, {"user_id": user_id, "changed_by_id": by, "changed_at": tx.now, "what": what}
    )


def _roles_said(slugs: Iterable[str]) -> str:
    return ", ".join(sorted(slugs)) or "no role"


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


def check_new_user(
    username: str, roles: Iterable[str] = (), first_name: str = "", last_name: str = ""
) -> tuple[str, list[Role]]:
    """The username (trimmed) and roles of a new user, or the ValidationFailed to show.

    Needs no database, so a command can check its arguments before asking for a password.
    """
    clean_text(first_name, "first_name")
    clean_text(last_name, "last_name")
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise ValidationFailed(
            "Username must be 2-150 characters of letters, digits and . _ @ + -.",
            field="username",
        )
    return username, parse_roles(roles)


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
    view = _add_user(tx, username, password, roles, first_name, last_name)
    audit(tx, view.id, f"added; roles: {_roles_said(view.role_slugs)}")
    return view


def _add_user(
    tx: Tx, username: str, password: str, roles: Iterable[str], first_name: str, last_name: str
) -> UserView:
    username, parsed = check_new_user(username, roles, first_name, last_name)
    _check_password(password)
    if _find(tx, username) is not None:
        raise UNIQUE_USERNAME.refused(username=username)
    user = User(
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        password_hash=tx.shop.hasher.hash(password),
        is_active=True,
        created_at=tx.now,
        updated_at=tx.now,
    )
    user.role_links = [UserRole(role_slug=r.value) for r in parsed]
    tx.session.add(user)
    tx.session.flush()
    return user_view(user)


@reads
def shop_has_users(tx: Tx) -> bool:
    """Whether anyone can log in yet (a new shop has nobody: the first-run offer)."""
    return tx.session.scalar(select(User.id).limit(1)) is not None


@writes
def create_first_admin(tx: Tx, username: str, password: str) -> UserView:
    """The shop's first user, a super admin; refused once the shop has any user at all.

    Anyone at a terminal of an empty shop may do this (it is how a shop starts), so
    the check and the insert share one transaction: the super_admin role row is locked
    (PostgreSQL; SQLite's write transactions are serial anyway), so two terminals
    racing on an empty shop make one admin and one clear refusal.
    """
    tx.session.scalar(select(RoleRow).where(RoleRow.slug == Role.SUPER_ADMIN).with_for_update())
    if tx.session.scalar(select(User.id).limit(1)) is not None:
        raise RuleViolation(
            "This shop already has users; log in, or ask an administrator to add you.",
            field="username",
            code="not_first_user",
        )
    return _add_user(tx, username, password, [Role.SUPER_ADMIN.value], "", "")


@writes
def set_roles(tx: Tx, actor_id: int | None, user_id: int, roles: Iterable[str]) -> UserView:
    """Replace a user's roles."""
    _authorise_admin(tx, actor_id)
    user = _get(tx, user_id)
    before = _roles_said(user_view(user).role_slugs)
    user.role_links = [UserRole(role_slug=r.value) for r in parse_roles(roles)]
    user.updated_at = tx.now
    tx.session.flush()
    view = user_view(user)
    if _roles_said(view.role_slugs) != before:
        audit(tx, user.id, f"roles: {before} -> {_roles_said(view.role_slugs)}")
    return view


@writes
def set_active(tx: Tx, actor_id: int | None, user_id: int, active: bool) -> UserView:
    """Deactivate (or reactivate) a user; a deactivated user can neither log in nor act.

    Deactivating ends every token the user holds for good: reactivating does not
    bring them back (the credentials version moved on), the user logs in afresh.
    """
    _authorise_admin(tx, actor_id)
    user = _get(tx, user_id)
    if user.is_active and not active:
        _bump_credentials(tx, user)
    if user.is_active != active:
        audit(tx, user.id, "reactivated" if active else "deactivated")
    user.is_active = active
    user.updated_at = tx.now
    return user_view(user)


@dataclass(frozen=True)
class _Credentials:
    """What a login needs to know about a user, read in a short read transaction."""

    user: UserView
    password_hash: str
    credentials_version: int


@dataclass(frozen=True)
class VerifiedLogin:
    """A user whose password was just checked, and the credentials version checked."""

    user: UserView
    credentials_version: int
    password_hash: str
    new_hash: str | None  # the password rehashed with today's parameters, if outdated


_dummy_hashes: dict[tuple[object, ...], str] = {}

# argon2 is slow and memory-hard on purpose, and runs on several threads of its own:
# a burst of logins checked all at once would take every CPU from the rest of the
# shop. Checks beyond this many per process wait their turn (outside any transaction).
PASSWORD_CHECKS = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) // 2))


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of nothing anyone knows, made with ``hasher``'s parameters (cached).

    Unknown and deactivated users are checked against it, so a login for them
    costs the same argon2 work as a real one and timing reveals no usernames.
    """
    key = (
        hasher.time_cost,
        hasher.memory_cost,
        hasher.parallelism,
        hasher.hash_len,
        hasher.salt_len,
        hasher.type,
    )
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hashes[key]


@reads
def _load_credentials(tx: Tx, username: str) -> _Credentials | None:
    user = _find(tx, username)
    if user is None or not user.is_active:
        return None
    return _Credentials(user_view(user), user.password_hash, user.credentials_version)


def verify_login(shop: Shop, username: str, password: str, *, client: str) -> VerifiedLogin:
    """Check a username and password, throttled per ``client`` (see :mod:`.throttle`).

    The argon2 check runs outside any transaction: the user is read in a short
    read transaction first, so a burst of logins never holds the write lock.
    """
    failure = AuthenticationFailed("Wrong username or password.", field="password")
    if not (storable(username) and storable(password)):
        raise failure
    with throttle.attempt(shop, client, username):
        found = _load_credentials(shop, username)
        with PASSWORD_CHECKS:
            stored = found.password_hash if found is not None else _dummy_hash(shop.hasher)
            try:
                shop.hasher.verify(stored, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                raise failure from None
            if found is None:  # unreachable in practice: nobody knows the dummy's password
                raise failure
            new_hash = None
            if shop.hasher.check_needs_rehash(found.password_hash):
                new_hash = shop.hasher.hash(password)
    return VerifiedLogin(found.user, found.credentials_version, found.password_hash, new_hash)


def store_login(tx: Tx, login: VerifiedLogin) -> User:
    """Within a short write: the user again, unchanged since the check, with a rehash saved.

    A password change or deactivation that landed during the check wins: the
    login is refused rather than let through on old credentials. Every password
    change moves ``credentials_version``; a hash that changed without it is another
    login's rehash of the same password, which stays.
    """
    user = tx.session.get(User, login.user.id, options=[WITH_ROLES])
    if user is None or not user.is_active or user.credentials_version != login.credentials_version:
        raise AuthenticationFailed("Wrong username or password.", field="password")
    if login.new_hash is not None and user.password_hash == login.password_hash:
        user.password_hash = login.new_hash
        user.updated_at = tx.now
    return user


@writes
def _store_login(tx: Tx, login: VerifiedLogin) -> UserView:
    return user_view(store_login(tx, login))


def authenticate(
    shop: Shop, username: str, password: str, *, client: str = throttle.TERMINAL_CLIENT
) -> UserView:
    """The user these credentials belong to (the terminal's login and unlock).

    Throttled like the API's login, per ``client``: a terminal passes its own name
    (:func:`.throttle.terminal_client`), so its failures lock no other terminal. An
    outdated password hash is replaced in a short write of its own.
    """
    login = verify_login(shop, username, password, client=client)
    if login.new_hash is None:
        return login.user
    return _store_login(shop, login)


def _bump_credentials(tx: Tx, user: User) -> None:
    """End every session and token the user holds (see ``credentials_version``)."""
    user.credentials_version += 1
    user.credentials_changed_at = tx.now


@writes
def change_password(tx: Tx, actor_id: int | None, user_id: int, password: str) -> UserView:
    """Set a new password (the user themselves, a super admin, or the local operator).

    Every token issued before, even within the same second, stops working.
    """
    if actor_id != user_id:
        _authorise_admin(tx, actor_id)
    _check_password(password)
    user = _get(tx, user_id)
    user.password_hash = tx.shop.hasher.hash(password)
    user.must_change_password = False  # a one-time code is spent once replaced
    _bump_credentials(tx, user)
    own = actor_id == user_id
    audit(tx, user.id, "chose a new password" if own else "password set", actor_id=actor_id)
    user.updated_at = tx.now
    return user_view(user)


# --- one-time codes ------------------------------------------------------------------------

# No 0/O, 1/I/L: a code is read off a screen and typed in by someone else.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def one_time_code() -> str:
    """A fresh code such as ``K7QM-2XPA``: the password until its holder chooses one."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


@writes
def create_user_with_code(
    tx: Tx,
    actor_id: int | None,
    username: str,
    *,
    roles: Iterable[str] = (),
    first_name: str = "",
    last_name: str = "",
) -> tuple[UserView, str]:
    """Create a user whose password is a one-time code (returned, shown once): they
    choose their own password at their first login at a terminal."""
    _authorise_admin(tx, actor_id)
    code = one_time_code()
    view = _add_user(tx, username, code, roles, first_name, last_name)
    _get(tx, view.id).must_change_password = True
    audit(tx, view.id, f"added with a one-time code; roles: {_roles_said(view.role_slugs)}")
    return view, code


@writes
def reset_with_code(tx: Tx, actor_id: int | None, user_id: int) -> tuple[UserView, str]:
    """Replace the user's password with a one-time code (returned, shown once); their
    sessions end, and they choose a password at their next login at a terminal."""
    _authorise_admin(tx, actor_id)
    user = _get(tx, user_id)
    code = one_time_code()
    user.password_hash = tx.shop.hasher.hash(code)
    user.must_change_password = True
    _bump_credentials(tx, user)
    audit(tx, user.id, "given a one-time code")
    user.updated_at = tx.now
    return user_view(user), code


@reads
def must_change_password(tx: Tx, user_id: int) -> bool:
    """Whether the user's password is still a one-time code an admin handed out."""
    tx.authorise(None)
    return bool(tx.session.scalar(select(User.must_change_password).where(User.id == user_id)))


# --- badge and PIN -------------------------------------------------------------------------


def normalise_badge(raw: str) -> str:
    """A badge code as stored and looked up: trimmed, upper case (a scanner with Caps
    Lock on sends it in lower case)."""
    return raw.strip().upper()


def check_badge(raw: str, *, reserved_prefix: str = BIKE_SCAN_PREFIX) -> str:
    """The normalised badge code, or the ValidationFailed to show.

    ``reserved_prefix`` is how the terminals recognise a bike code (the scan prefix):
    a badge starting with it would open a bike instead of logging anyone in.
    """
    clean_text(raw, "badge")
    code = normalise_badge(raw)
    if not MIN_BADGE_LENGTH <= len(code) <= MAX_BADGE_LENGTH or not all(
        ch.isprintable() and not ch.isspace() for ch in code
    ):
        raise ValidationFailed(
            f"A badge code is {MIN_BADGE_LENGTH}-{MAX_BADGE_LENGTH} characters without "
            "spaces, as the badge scanner sends it.",
            field="badge",
        )
    prefix = reserved_prefix.strip().upper()
    if prefix and code.startswith(prefix):
        raise ValidationFailed(
            f"A badge code may not start with {prefix}: the terminals read that as a bike "
            "code. Use another badge.",
            field="badge",
        )
    return code


def badge_digest(raw: str) -> str:
    """What is stored for a badge: a SHA-256 digest of the normalised code."""
    return hashlib.sha256(f"shopfloor-badge:{normalise_badge(raw)}".encode()).hexdigest()


def check_pin(pin: str) -> str:
    """``pin`` if it is 4-8 digits, else the ValidationFailed to show."""
    if not PIN_RE.fullmatch(pin):
        raise ValidationFailed("A PIN is 4 to 8 digits (0-9).", field="pin")
    return pin


@writes
def set_badge(
    tx: Tx,
    actor_id: int | None,
    user_id: int,
    code: str | None,
    *,
    reserved_prefix: str = BIKE_SCAN_PREFIX,
) -> UserView:
    """Give the user this badge (``None`` removes theirs); a badge names one person."""
    _authorise_admin(tx, actor_id)
    user = _get(tx, user_id)
    digest = None
    if code is not None:
        digest = badge_digest(check_badge(code, reserved_prefix=reserved_prefix))
        holder = tx.session.scalar(
            select(User.username).where(User.badge_digest == digest, User.id != user.id)
        )
        if holder is not None:
            raise _badge_taken()
    if user.badge_digest != digest:
        audit(tx, user.id, "badge set" if digest else "badge removed")
    user.badge_digest = digest
    user.updated_at = tx.now
    try:
        tx.session.flush()
    except IntegrityError:  # uq_users_badge_digest: someone took it meanwhile
        raise _badge_taken() from None
    return user_view(user)


def _badge_taken() -> ValidationFailed:
    return ValidationFailed(
        "That badge already belongs to another user; remove it there first "
        "(shopfloor user badge NAME --clear).",
        field="badge",
        code="duplicate",
    )


@writes
def set_pin(tx: Tx, actor_id: int | None, user_id: int, pin: str | None) -> UserView:
    """Set the user's PIN (``None`` removes it): the user themselves or an administrator."""
    if actor_id != user_id:
        _authorise_admin(tx, actor_id)
    user = _get(tx, user_id)
    user.pin_hash = None if pin is None else tx.shop.hasher.hash(check_pin(pin))
    audit(tx, user.id, "PIN set" if pin is not None else "PIN removed", actor_id=actor_id)
    user.updated_at = tx.now
    return user_view(user)


@dataclass(frozen=True)
class BadgeLogin:
    """The active user holding a badge (None: nobody does) and their PIN's hash."""

    user: UserView | None
    pin_hash: str | None


@reads
def _badge_holder(tx: Tx, digest: str) -> BadgeLogin:
    user = tx.session.scalar(select(User).where(User.badge_digest == digest).options(WITH_ROLES))
    if user is None or not user.is_active:
        return BadgeLogin(None, None)
    return BadgeLogin(user_view(user), user.pin_hash)


@writes
def _store_pin_rehash(tx: Tx, user_id: int, old_hash: str, new_hash: str) -> None:
    user = tx.session.get(User, user_id)
    if user is not None and user.pin_hash == old_hash:  # unless it changed meanwhile
        user.pin_hash = new_hash


class _NoBadge(Exception):
    """A scanned code nobody holds (counted as a failed badge login)."""


def is_badge(shop: Shop, badge: str, *, client: str) -> bool:
    """Whether ``badge`` belongs to an active user: a terminal asks before the PIN, so a
    username sent in one burst (``tech1`` enter) stays a username.

    A code nobody holds counts as a failed badge login at ``client`` (guessing badges is
    throttled like guessing PINs); raises TooManyAttempts once the limit is reached.
    """
    known = storable(badge) and _badge_holder(shop, badge_digest(badge)).user is not None
    try:
        with throttle.attempt(shop, client, None, badge=True):
            if not known:
                raise _NoBadge
    except _NoBadge:
        return False
    return True


def authenticate_badge(shop: Shop, badge: str, pin: str, *, client: str) -> UserView:
    """The user holding ``badge`` whose PIN is ``pin`` (a shared terminal's quick login).

    Throttled per ``client`` apart from passwords (see :mod:`.throttle`); an unknown
    badge, a user without a PIN and a wrong PIN all get the same answer and cost the
    same argon2 work.
    """
    failure = AuthenticationFailed("Badge or PIN not recognised.", field="pin")
    if not (storable(badge) and storable(pin)):
        raise failure
    found = _badge_holder(shop, badge_digest(badge))
    holder = found.user.username if found.user is not None else None
    with throttle.attempt(shop, client, holder, badge=True), PASSWORD_CHECKS:
        stored = found.pin_hash or _dummy_hash(shop.hasher)
        try:
            shop.hasher.verify(stored, pin)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            raise failure from None
        if found.user is None or found.pin_hash is None or not PIN_RE.fullmatch(pin):
            raise failure
        new_hash = shop.hasher.hash(pin) if shop.hasher.check_needs_rehash(stored) else None
    if new_hash is not None:
        _store_pin_rehash(shop, found.user.id, stored, new_hash)
    return found.user


@dataclass(frozen=True)
class QuickLogin:
    """Whether a user can log in with a badge scan and a PIN (both are needed)."""

    has_badge: bool
    has_pin: bool


@reads
def quick_login(tx: Tx, user_id: int) -> QuickLogin:
    user = _get(tx, user_id)
    return QuickLogin(user.badge_digest is not None, user.pin_hash is not None)


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


@dataclass(frozen=True)
class UserChangeView:
    """One line of a person's log: when, by whom, what."""

    changed_at: datetime
    changed_by_name: str  # "local operator" for the CLI
    what: str


@reads
def user_changes(tx: Tx, actor_id: int | None, user_id: int) -> list[UserChangeView]:
    """What was done to a person, newest first (administrators)."""
    _authorise_admin(tx, actor_id)
    by = aliased(User)
    rows = tx.session.execute(
        select(UserChange.changed_at, UserChange.what, by.username, by.first_name, by.last_name)
        .outerjoin(by, by.id == UserChange.changed_by_id)
        .where(UserChange.user_id == user_id)
        .order_by(UserChange.id.desc())
    )
    return [
        UserChangeView(
            at,
            display_name(first, last, username) if username is not None else "local operator",
            what,
        )
        for at, what, username, first, last in rows
    ]
