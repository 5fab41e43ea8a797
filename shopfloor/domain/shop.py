"""The shop: the database, the clock and the password hasher, and the unit of work.

Every use case runs in exactly one transaction opened here. A write that loses
a race at a unique index is run once more, so the loser meets the same clear
pre-check error as if it had come second; should that fail too, the index's
own message is raised. Screens and routes never open a transaction themselves.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Concatenate, ParamSpec, TypeVar

from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from .clock import Clock, SystemClock
from .database import WRITE_OPTION
from .errors import (
    AuthenticationFailed,
    DomainError,
    RuleViolation,
    ShopUnavailable,
    ValidationFailed,
)
from .models import WITH_ROLES, User, WorkshopRules
from .rules import DEFAULT_PAUSE_REASONS, PauseReason, Permission, pause_reasons_from_json, require

P = ParamSpec("P")
R = TypeVar("R")

# Index or constraint name -> the error a lost race becomes when no pre-check caught it.
CONSTRAINT_ERRORS: dict[str, Callable[[], DomainError]] = {
    "uq_tickets_active_bike": lambda: RuleViolation(
        "This bike already has an active ticket; finish or pass QC on it first.",
        field="bike_code",
        code="active_ticket_exists",
    ),
    "uq_tickets_in_progress_technician": lambda: RuleViolation(
        "The technician already has a ticket in progress; send it to QC first.",
        field="technician",
        code="technician_busy",
    ),
    "uq_work_sessions_open_ticket": lambda: RuleViolation(
        "This ticket already has an open work session; pause, resume or stop it.",
        field="work_session",
        code="open_session_exists",
    ),
    "uq_work_sessions_open_technician": lambda: RuleViolation(
        "The technician already has an open work session on another ticket; stop it first.",
        field="work_session",
        code="open_session_exists",
    ),
    "uq_bikes_bike_code": lambda: ValidationFailed(
        "A bike with this code already exists.", field="bike_code", code="duplicate"
    ),
    "uq_users_username_ci": lambda: ValidationFailed(
        "That username is taken (usernames ignore case).", field="username", code="duplicate"
    ),
    "uq_xp_ledger_reference": lambda: RuleViolation(
        "This XP has already been paid.", field="reference", code="duplicate"
    ),
    # Only a clock that went backwards can reach these two (events are stamped under the lock).
    "work_session_events_in_order": lambda: RuleViolation(
        "The shop clock is behind this timer's last event; check the computer's clock "
        "and try again.",
        field="work_session",
        code="clock_behind",
    ),
    "ck_work_sessions_active_seconds_non_negative": lambda: RuleViolation(
        "Worked time cannot be negative; check the computer's clock and try again.",
        field="work_session",
        code="clock_behind",
    ),
}

# SQLite names the columns of a violated unique index, not the index.
_SQLITE_COLUMNS: dict[str, str] = {
    "tickets.bike_id": "uq_tickets_active_bike",
    "tickets.technician_id": "uq_tickets_in_progress_technician",
    "work_sessions.ticket_id": "uq_work_sessions_open_ticket",
    "work_sessions.technician_id": "uq_work_sessions_open_technician",
    "bikes.bike_code": "uq_bikes_bike_code",
    "xp_ledger.reference": "uq_xp_ledger_reference",
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?:index '([^']+)'|([\w.]+))")
# SQLite triggers standing in for a constraint start their message with its name.
_SQLITE_TRIGGER = re.compile(
    r"^(work_session_events_in_order|ck_work_sessions_active_seconds_non_negative):"
)


def _out_of_range(exc: DataError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "22003"  # numeric_value_out_of_range


def _read_only(exc: Exception) -> bool:
    """Whether the database refused a write because it is read-only (file or server)."""
    orig = getattr(exc, "orig", None)
    return (
        str(getattr(orig, "sqlite_errorname", "")).startswith("SQLITE_READONLY")
        or getattr(orig, "sqlstate", None) == "25006"  # read_only_sql_transaction
    )


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the index or constraint behind ``exc``, when it can be told."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    trigger = _SQLITE_TRIGGER.match(str(exc.orig))
    if trigger is not None:
        return trigger.group(1)
    match = _SQLITE_UNIQUE.search(str(exc.orig))
    if match is None:
        return None
    return match.group(1) or _SQLITE_COLUMNS.get(match.group(2))


@dataclass(frozen=True)
class Rules:
    """The workshop's tunable rules, as read at the start of a transaction."""

    checklist_min_items: int = 10
    xp_srt_divisor: int = 20
    xp_first_pass_bonus: int = 1
    pause_reasons: tuple[PauseReason, ...] = DEFAULT_PAUSE_REASONS
    pause_budget_minutes: int = 30
    shift_end: time | None = None  # local time in ``time_zone``
    time_zone: str = "UTC"
    allow_self_inspection: bool = False

    def pause_reason(self, code: str) -> PauseReason | None:
        return next((r for r in self.pause_reasons if r.code == code), None)


class Shop:
    """Everything a use case needs: the database, the clock and the hasher."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()
        self.hasher = hasher or PasswordHasher()
        self._write_bind = engine.execution_options(**{WRITE_OPTION: True})

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Tx]:
        """One transaction: committed when the block ends cleanly, rolled back otherwise."""
        session = Session(bind=self._write_bind if write else self.engine, expire_on_commit=False)
        try:
            with session.begin():
                yield Tx(session=session, shop=self)
        except (OverflowError, DataError) as exc:
            # The use cases check what they store; this is the last line, so a value the
            # database still refuses is the caller's input, never a crash.
            if isinstance(exc, OverflowError) or _out_of_range(exc):
                raise ValidationFailed(
                    "A number in the request is out of range (ids and amounts fit in 32 bits).",
                    code="out_of_range",
                ) from exc
            raise ValidationFailed(
                "A value cannot be stored; check the numbers and text you entered.",
                code="invalid_value",
            ) from exc
        except (OperationalError, PoolTimeout) as exc:
            if _read_only(exc):
                # Retrying cannot help here, so the message must not suggest it.
                raise ShopUnavailable(
                    "The shop database is read-only, so nothing can be saved; ask whoever "
                    "runs the shop to make the database file writable.",
                    field="database",
                    code="database_read_only",
                ) from exc
            # Down, unreachable, locked past the busy timeout, or every connection in use.
            raise ShopUnavailable(
                "The shop database is unavailable or busy; try again in a moment.",
                field="database",
            ) from exc
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


@dataclass
class Tx:
    """A running transaction: its session, its shop, and the one ``now`` it stamps."""

    session: Session
    shop: Shop
    _now: datetime | None = field(default=None, init=False, repr=False)

    @property
    def now(self) -> datetime:
        """The transaction's one timestamp, read from the clock the first time it is asked for.

        Use cases lock what they change (``lock_ticket``) before they ask, so a
        transaction that queued for a lock reads the clock only once it holds it:
        whatever it stamps is then never older than what the lock's previous
        holder stamped. Taking it when the transaction opened let a request that
        waited across a second boundary write an event older than the one before.
        """
        if self._now is None:
            # On SQLite the write lock (BEGIN IMMEDIATE) comes with the connection's
            # BEGIN, which SQLAlchemy emits lazily: make sure it has been taken.
            self.session.connection()
            # Whole seconds: every interval is then exact, so the cached, the
            # Python-derived and the SQL-derived worked time always agree.
            self._now = self.shop.clock.now().replace(microsecond=0)
        return self._now

    def actor(self, actor_id: int) -> User:
        """The acting user; a missing or deactivated one is not allowed to act at all."""
        user = self.session.get(User, actor_id, options=[WITH_ROLES])
        if user is None or not user.is_active:
            raise AuthenticationFailed(
                "Your account no longer exists or has been deactivated; log in again.",
                field="actor",
                code="user_inactive",
            )
        return user

    def authorise(self, actor_id: int | None, permission: Permission) -> User | None:
        """The actor, checked for ``permission``; ``None`` is the local operator at the CLI,
        who owns the database file anyway and so may do anything."""
        if actor_id is None:
            return None
        actor = self.actor(actor_id)
        require(actor.role_slugs, permission)
        return actor

    def rules(self) -> Rules:
        row = self.session.scalar(select(WorkshopRules).where(WorkshopRules.id == 1))
        if row is None:
            return Rules()
        return Rules(
            row.checklist_min_items,
            row.xp_srt_divisor,
            row.xp_first_pass_bonus,
            pause_reasons=pause_reasons_from_json(row.pause_reasons),
            pause_budget_minutes=row.pause_budget_minutes,
            shift_end=time.fromisoformat(row.shift_end) if row.shift_end else None,
            time_zone=row.time_zone,
            allow_self_inspection=row.allow_self_inspection,
        )


INT_COLUMN_RANGE = range(-(2**31), 2**31)


def _numbers_checker(fn: Callable[..., object]) -> Callable[..., None]:
    """Refuse whole numbers the 32-bit columns cannot hold, naming the parameter.

    SQLite would accept them and PostgreSQL would fail; checking here makes both
    answer alike, before any query runs.
    """
    signature = inspect.signature(fn)

    def check(*args: object, **kwargs: object) -> None:
        bound = signature.bind_partial(None, *args, **kwargs)
        for name, value in bound.arguments.items():
            is_number = isinstance(value, int) and not isinstance(value, bool)
            if is_number and value not in INT_COLUMN_RANGE:
                raise ValidationFailed(
                    f"{name} is out of range; ids and counts fit in 32 bits.",
                    field=name,
                    code="out_of_range",
                )

    return check


def writes(fn: Callable[Concatenate[Tx, P], R]) -> Callable[Concatenate[Shop, P], R]:
    """Run a use case in one write transaction; a lost race is retried once, then named."""
    check_numbers = _numbers_checker(fn)

    def run(shop: Shop, /, *args: P.args, **kwargs: P.kwargs) -> R:
        check_numbers(*args, **kwargs)
        for attempt in (1, 2):
            try:
                with shop.transaction(write=True) as tx:
                    result = fn(tx, *args, **kwargs)
                    tx.session.flush()
                return result
            except IntegrityError as exc:
                name = violated_constraint(exc)
                if name not in CONSTRAINT_ERRORS:
                    raise
                if attempt == 2:
                    raise CONSTRAINT_ERRORS[name]() from exc
        raise AssertionError("unreachable")

    return _named_like(run, fn)


def reads(fn: Callable[Concatenate[Tx, P], R]) -> Callable[Concatenate[Shop, P], R]:
    """Run a read-only use case in one transaction."""
    check_numbers = _numbers_checker(fn)

    def run(shop: Shop, /, *args: P.args, **kwargs: P.kwargs) -> R:
        check_numbers(*args, **kwargs)
        with shop.transaction(write=False) as tx:
            return fn(tx, *args, **kwargs)

    return _named_like(run, fn)


def _named_like(
    wrapper: Callable[Concatenate[Shop, P], R], fn: Callable[..., object]
) -> Callable[Concatenate[Shop, P], R]:
    """Give the wrapper the use case's name and docstring (for tracebacks and help())."""
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(wrapper, attribute, getattr(fn, attribute))
    return wrapper
