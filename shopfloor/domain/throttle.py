"""The one throttle for logins and token checks, kept in the shared database.

Every worker process of the server and every terminal count in the same table,
so the limits hold however many processes run and across restarts. A client is an
API caller's address, or one terminal (:func:`terminal_client`): each terminal counts
its own failures, per username and in all, so one terminal's mistakes never lock the
others. Badge + PIN logins have counts of their own (``Scope.BADGE*``).

An attempt is counted *before* the password or token is checked, in a short
write transaction that locks the client's rows (an atomic upsert), and given
back when it succeeds. So parallel requests can never together exceed a limit:
each one either takes a free slot or is refused with :class:`TooManyAttempts`.
Rows whose window has passed count for nothing and are pruned by age.

``throttle_entries`` is a cold table written here alone, with statements through the
ORM session (``tx.session``); an attempt comes before anyone is logged in, so it checks
no caller.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .errors import TooManyAttempts
from .models import ThrottleEntry
from .shop import Shop, Tx, writes

# Where a terminal's login comes from when the terminal does not say which it is.
# A terminal names itself with :func:`terminal_client`, so its mistakes (or a
# prankster's) count at that terminal only and never lock out the others.
TERMINAL_CLIENT = "terminal"

CLIENT_LENGTH = 128
USERNAME_LENGTH = 150
PRUNE_BATCH = 500


class Scope(StrEnum):
    LOGIN_USER = "login_user"  # failed logins for one username from one client
    LOGIN = "login"  # failed logins for any username from one client
    TOKEN = "token"  # noqa: S105 (a scope name) - refused refresh / verify tokens
    # Badge + PIN has its own count: a mistyped PIN never uses up password tries.
    BADGE_USER = "badge_user"  # wrong PINs for one badge holder at one client
    BADGE = "badge"  # failed badge logins (unknown badges included) at one client


@dataclass(frozen=True)
class ThrottleLimits:
    """How many failures each scope allows within one window."""

    per_user: int = 5
    per_client: int = 100
    per_client_tokens: int = 100
    # A PIN is short: five wrong ones for one badge, and thirty failed badge logins at
    # one terminal (a badge guesser), wait for the window.
    per_badge_user: int = 5
    per_client_badges: int = 30
    window: timedelta = timedelta(minutes=5)

    def limit(self, scope: Scope) -> int:
        return {
            Scope.LOGIN_USER: self.per_user,
            Scope.LOGIN: self.per_client,
            Scope.TOKEN: self.per_client_tokens,
            Scope.BADGE_USER: self.per_badge_user,
            Scope.BADGE: self.per_client_badges,
        }[scope]


LIMITS = ThrottleLimits()

Key = tuple[Scope, str, str]


def terminal_client(identity: str) -> str:
    """The throttle's client name for the terminal called ``identity`` (see config)."""
    return f"{TERMINAL_CLIENT}:{identity}"[:CLIENT_LENGTH]


def _keys(client: str, username: str | None, *, badge: bool = False) -> list[Key]:
    """The rows an attempt counts in, in one fixed order (so row locks never deadlock)."""
    client = client[:CLIENT_LENGTH]
    if badge:
        if username is None:  # a badge nobody holds: counted against the client only
            return [(Scope.BADGE, client, "")]
        name = username.strip().lower()[:USERNAME_LENGTH]
        return sorted([(Scope.BADGE, client, ""), (Scope.BADGE_USER, client, name)])
    if username is None:
        return [(Scope.TOKEN, client, "")]
    name = username.strip().lower()[:USERNAME_LENGTH]
    return sorted([(Scope.LOGIN, client, ""), (Scope.LOGIN_USER, client, name)])


def _message(scope: Scope, wait: int) -> str:
    if scope is Scope.TOKEN:
        return f"Too many refused tokens from your address; wait {wait} seconds and log in again."
    if scope in (Scope.BADGE, Scope.BADGE_USER):
        return (
            f"Too many failed badge logins here; wait {wait} seconds, or log in with your password."
        )
    return f"Too many failed logins; wait {wait} seconds before trying again."


def _lock_row(tx: Tx, key: Key) -> tuple[int, datetime]:
    """The row for ``key`` (created empty if missing), locked until the transaction ends."""
    scope, client, username = key
    insert = pg_insert if tx.shop.dialect == "postgresql" else sqlite_insert
    table = ThrottleEntry.__table__
    statement = (
        insert(ThrottleEntry)
        .values(
            scope=scope.value,
            client=client,
            username=username,
            failures=0,
            window_started_at=tx.now,
        )
        # A no-op update: on PostgreSQL it takes the row lock an INSERT ... DO NOTHING
        # would not; SQLite's BEGIN IMMEDIATE already serialises writers.
        .on_conflict_do_update(
            index_elements=["scope", "client", "username"],
            set_={"failures": table.c.failures},
        )
        .returning(ThrottleEntry.failures, ThrottleEntry.window_started_at)
    )
    failures, started = tx.session.execute(statement).one()
    return int(failures), started


@writes
def _take(tx: Tx, keys: list[Key], limits: ThrottleLimits) -> None:
    """Count one attempt in every row of ``keys``, or refuse it if any row is full."""
    counted: list[tuple[Key, int, datetime]] = []
    for key in keys:
        failures, started = _lock_row(tx, key)
        if started + limits.window <= tx.now:
            failures, started = 0, tx.now  # the window has passed: start a new one
        if failures >= limits.limit(key[0]):
            wait = max(1, math.ceil((started + limits.window - tx.now).total_seconds()))
            raise TooManyAttempts(_message(key[0], wait), retry_after=wait)
        counted.append((key, failures + 1, started))
    for (scope, client, username), failures, started in counted:
        tx.session.execute(
            update(ThrottleEntry)
            .where(
                ThrottleEntry.scope == scope.value,
                ThrottleEntry.client == client,
                ThrottleEntry.username == username,
            )
            .values(failures=failures, window_started_at=started)
        )
    _prune(tx, limits)


def _prune(tx: Tx, limits: ThrottleLimits) -> None:
    """Delete a batch of rows whose window has passed (they count for nothing).

    Rows another transaction holds are skipped rather than waited for, and this
    runs last, so pruning never takes part in a lock cycle.
    """
    expired = (
        select(ThrottleEntry.scope, ThrottleEntry.client, ThrottleEntry.username)
        .where(ThrottleEntry.window_started_at <= tx.now - limits.window)
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    tx.session.execute(
        delete(ThrottleEntry).where(
            tuple_(ThrottleEntry.scope, ThrottleEntry.client, ThrottleEntry.username).in_(expired)
        )
    )


@writes
def _give_back(tx: Tx, keys: list[Key]) -> None:
    """An attempt succeeded: clear its username's failures, return its client's slot."""
    for scope, client, username in keys:
        where = (
            ThrottleEntry.scope == scope.value,
            ThrottleEntry.client == client,
            ThrottleEntry.username == username,
        )
        if scope in (Scope.LOGIN_USER, Scope.BADGE_USER):
            tx.session.execute(delete(ThrottleEntry).where(*where))
        else:
            tx.session.execute(
                update(ThrottleEntry)
                .where(*where, ThrottleEntry.failures > 0)
                .values(failures=ThrottleEntry.failures - 1)
            )


@contextmanager
def attempt(
    shop: Shop,
    client: str,
    username: str | None = None,
    *,
    badge: bool = False,
    limits: ThrottleLimits = LIMITS,
) -> Iterator[None]:
    """Count one login (with ``username``) or token check (without) by ``client``.

    ``badge``: a badge + PIN login, counted apart from passwords (``username`` is the
    badge holder's, or None for a badge nobody holds).
    Raises :class:`TooManyAttempts` up front when a limit is reached. The attempt
    stays counted as a failure if the block raises, and is given back if it ends
    cleanly. Run the block outside any transaction: it is the slow part.
    """
    keys = _keys(client, username, badge=badge)
    _take(shop, keys, limits)
    yield
    _give_back(shop, keys)
