"""The shop: the database, the clock and the password hasher, and the unit of work.

Every use case runs in exactly one transaction opened here. A write that loses
a race at a unique index is run once more, so the loser meets the same clear
pre-check error as if it had come second; should that fail too, the index's
own message is raised. Screens and routes never open a transaction themselves.

A request acts for the caller its token names (:meth:`Shop.acting_as`): the
transaction checks that caller first thing, and the use case reuses the user it
loaded, so authentication costs no transaction of its own. A read that declares
``@reads(folds_caller=True)`` reads the caller's columns in its own statement
instead (:meth:`Tx.caller_to_fold`), saving that statement; whatever it did not
check is checked before COMMIT all the same. Connections are not
pinged before use; a use case whose connection turns out dead before COMMIT is
run once more on a fresh one.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeVar, overload

from argon2 import PasswordHasher
from sqlalchemy import (
    Engine,
    Integer,
    Row,
    Select,
    String,
    Subquery,
    and_,
    bindparam,
    func,
    select,
)
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, aliased, joinedload

from .clock import Clock, SystemClock
from .database import WRITE_OPTION
from .errors import (
    AuthenticationFailed,
    DomainError,
    RuleViolation,
    ShopUnavailable,
    ValidationFailed,
)
from .models import RefreshFamily, User, UserRole, WorkshopRules
from .rules import DEFAULT_PAUSE_REASONS, PauseReason, Permission, pause_reasons_from_json, require

P = ParamSpec("P")
R = TypeVar("R")

# Roles in the same statement as their user (one round trip, not two).
_ROLES_JOINED = joinedload(User.role_links)

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
class Caller:
    """Who a request acts for, as its (already verified) token says.

    Whether they still may act is the database's to say, in the use case's own
    transaction: the user must be active, ``credentials_version`` (when given) their
    current one, and ``family`` (when given) a refresh family of theirs not revoked.
    """

    user_id: int
    credentials_version: int | None = None
    family: str | None = None


# An actor with roles and the workshop's rules, in one statement built once.
_ACTOR_WITH_RULES = (
    select(User, WorkshopRules)
    .options(_ROLES_JOINED)
    .outerjoin(WorkshopRules, WorkshopRules.id == 1)
    .where(User.id == bindparam("actor_id", type_=Integer()))
)


class ConnectionLost(ShopUnavailable):
    """The connection died before COMMIT was sent: nothing was committed, so the use case
    may run again on a fresh connection (the pool drops the dead ones)."""


def _unavailable() -> ShopUnavailable:
    return ShopUnavailable(
        "The shop database is unavailable or busy; try again in a moment.",
        field="database",
    )


def user_inactive() -> AuthenticationFailed:
    return AuthenticationFailed(
        "Your account no longer exists or has been deactivated; log in again.",
        field="actor",
        code="user_inactive",
    )


def credentials_changed() -> AuthenticationFailed:
    return AuthenticationFailed(
        "Your password was changed or your account deactivated after this session "
        "began; log in again.",
        field="actor",
        code="credentials_changed",
    )


def session_revoked() -> AuthenticationFailed:
    return AuthenticationFailed(
        "This session has been ended (a refresh token was used twice); log in again.",
        field="actor",
        code="session_revoked",
    )


def _refuse_caller(
    caller: Caller, is_active: bool | None, credentials_version: int | None, family_live: bool
) -> None:
    """The refusals of a caller's token, from their user (``is_active`` None: no such user)
    and whether the token's refresh family is theirs and not revoked."""
    if not is_active:
        raise user_inactive()
    version = caller.credentials_version
    if version is not None and version != credentials_version:
        raise credentials_changed()
    if caller.family is not None and not family_live:
        raise session_revoked()


class CallerShape(NamedTuple):
    """What a folded caller check reads: the token's refresh family, the user's roles."""

    family: bool
    roles: bool


@dataclass(frozen=True)
class FoldedCaller:
    """A caller a use case checks in its own statement (see :meth:`Tx.caller_to_fold`).

    The statement joins :func:`caller_row` of this :attr:`shape`, is run with
    :attr:`params`, and its first row goes to :meth:`Tx.check_folded_caller`.
    """

    caller: Caller
    permission: Permission | None = None

    @property
    def shape(self) -> CallerShape:
        return CallerShape(family=self.caller.family is not None, roles=self.permission is not None)

    @property
    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"caller_id": self.caller.user_id}
        if self.caller.family is not None:
            params["caller_family"] = self.caller.family
        return params

    @property
    def write_params(self) -> dict[str, Any]:
        """The parameters of a statement built with :func:`with_caller`."""
        return {"caller_id": self.caller.user_id, "caller_family": self.caller.family}


@functools.cache
def caller_row(shape: CallerShape) -> Subquery:
    """The caller's user as one row (no row when there is no such user), with what
    :meth:`Tx.check_caller` refuses on: for a use case to join its own rows to.

    Bound parameters (``caller_id``, ``caller_family``) rather than values, so the
    statements built on it are built and compiled once per shape.
    """
    users = User.__table__
    columns: list[Any] = [
        users.c.is_active.label("caller_is_active"),
        users.c.credentials_version.label("caller_credentials_version"),
    ]
    if shape.family:
        families = RefreshFamily.__table__
        live = select(families.c.id).where(
            families.c.id == bindparam("caller_family", type_=String()),
            families.c.user_id == users.c.id,
            families.c.revoked_at.is_(None),
        )
        columns.append(live.exists().label("caller_family_live"))
    if shape.roles:
        links = UserRole.__table__
        roles = select(func.aggregate_strings(links.c.role_slug, ",")).where(
            links.c.user_id == users.c.id
        )
        columns.append(roles.scalar_subquery().label("caller_roles"))
    stmt = select(*columns).where(users.c.id == bindparam("caller_id", type_=Integer()))
    return stmt.subquery("caller")


# A write's locking statement brings its caller as a user with roles (the use case acts
# as them), whether the token's refresh family is live, and the workshop's rules.
CALLER_USER = aliased(User, name="caller_user")
CALLER_FAMILY_LIVE = (
    select(RefreshFamily.id)
    .where(
        RefreshFamily.id == bindparam("caller_family", type_=String()),
        RefreshFamily.user_id == CALLER_USER.id,
        RefreshFamily.revoked_at.is_(None),
    )
    .exists()
    .label("caller_family_live")
)


def caller_with(entity: Any, onclause: Any) -> Select[Any]:
    """The caller's user (roles loaded), whether their refresh family is live and the
    workshop's rules, with ``entity`` outer joined on ``onclause`` (``None`` when there
    is no such row) first: for a use case that checks the caller while it looks something
    up without locking it. Run it with :meth:`Tx.run_folded`, as :func:`with_caller`."""
    return (
        select(entity, CALLER_USER, CALLER_FAMILY_LIVE, WorkshopRules)
        .select_from(CALLER_USER)
        .outerjoin(WorkshopRules, WorkshopRules.id == 1)
        .outerjoin(entity, onclause)
        .options(joinedload(CALLER_USER.role_links))
        .where(CALLER_USER.id == bindparam("caller_id", type_=Integer()))
    )


def with_caller(stmt: Select[Any], locked: Any) -> Select[Any]:
    """``stmt`` with three more columns, outer joined to ``locked`` (the entity it locks):
    the caller's user (roles loaded), whether their refresh family is live, and the
    workshop's rules. Run it with :meth:`Tx.run_folded`."""
    return (
        stmt.add_columns(CALLER_USER, CALLER_FAMILY_LIVE, WorkshopRules)
        .outerjoin_from(
            locked, CALLER_USER, CALLER_USER.id == bindparam("caller_id", type_=Integer())
        )
        .outerjoin_from(locked, WorkshopRules, WorkshopRules.id == 1)
        .options(joinedload(CALLER_USER.role_links))
    )


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
        self.caller: Caller | None = None
        self._write_bind = engine.execution_options(**{WRITE_OPTION: True})
        # A read of one statement needs no BEGIN/COMMIT around it: that statement is a
        # transaction of its own (PostgreSQL autocommit).
        self._one_statement_bind = engine.execution_options(isolation_level="AUTOCOMMIT")

    def acting_as(self, caller: Caller) -> Shop:
        """This shop for one request's ``caller``: every transaction it opens checks the
        caller first, inside itself, and keeps the user for the use case (no extra
        transaction, no second lookup). Shares the engine, clock and hasher."""
        bound = copy.copy(self)
        bound.caller = caller
        return bound

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(
        self, *, write: bool, folds_caller: bool = False, one_statement: bool = False
    ) -> Iterator[Tx]:
        """One transaction: committed when the block ends cleanly, rolled back otherwise.

        The caller is checked first thing, or (``folds_caller``) left to the use case's
        own statement (:meth:`Tx.caller_to_fold`). A caller still unchecked when the block
        ends is checked then, before COMMIT, so nothing the use case read leaves the
        transaction for a refused caller, and when the block failed with a domain error
        a refused caller is told that instead (as when the check came first).
        """
        bind = self._write_bind if write else self.engine
        if one_statement and not write and self.dialect == "postgresql":
            bind = self._one_statement_bind
        session = Session(bind=bind, expire_on_commit=False)
        committing = False
        try:
            with session.begin():
                tx = Tx(session=session, shop=self)
                if self.caller is not None:
                    if folds_caller:
                        tx._unchecked = self.caller
                    else:
                        tx.check_caller(self.caller)
                try:
                    yield tx
                except DomainError:
                    tx.check_unchecked_caller()
                    raise
                tx.check_unchecked_caller()
                session.flush()
                committing = True
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                translated = _translated(exc)
                if translated is None:
                    raise
                raise translated from exc
            if committing:
                # It died while COMMIT was on its way: whether it landed is unknown, so
                # running the use case again could do it twice.
                raise _unavailable() from exc
            raise ConnectionLost(_unavailable().message, field="database") from exc
        except (OverflowError, PoolTimeout) as exc:
            raise _translated(exc) or _unavailable() from exc
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _translated(exc: Exception) -> DomainError | None:
    """The domain error for what the database refused; ``None`` for the caller to handle
    (a lost race at a unique index, say)."""
    if isinstance(exc, (OverflowError, DataError)):
        # The use cases check what they store; this is the last line, so a value the
        # database still refuses is the caller's input, never a crash.
        if isinstance(exc, OverflowError) or _out_of_range(exc):
            return ValidationFailed(
                "A number in the request is out of range (ids and amounts fit in 32 bits).",
                code="out_of_range",
            )
        return ValidationFailed(
            "A value cannot be stored; check the numbers and text you entered.",
            code="invalid_value",
        )
    if _read_only(exc):
        # Retrying cannot help here, so the message must not suggest it. (psycopg raises
        # a read-only or standby server's refusal as an InternalError, not Operational.)
        where = (
            "the shop use a writable database (not a standby or a read-only one)"
            if getattr(getattr(exc, "orig", None), "sqlstate", None)
            else "the database file writable"
        )
        return ShopUnavailable(
            "The shop database is read-only, so nothing can be saved; ask whoever "
            f"runs the shop to make {where}.",
            field="database",
            code="database_read_only",
        )
    if isinstance(exc, (OperationalError, PoolTimeout)):
        # Down, unreachable, locked past the busy timeout, or every connection in use.
        return _unavailable()
    return None


@dataclass
class Tx:
    """A running transaction: its session, its shop, and the one ``now`` it stamps."""

    session: Session
    shop: Shop
    _now: datetime | None = field(default=None, init=False, repr=False)
    _caller: User | None = field(default=None, init=False, repr=False)
    _rules: Rules | None = field(default=None, init=False, repr=False)
    # The request's caller while no statement of this transaction has checked them.
    _unchecked: Caller | None = field(default=None, init=False, repr=False)

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

    def check_caller(self, caller: Caller) -> User:
        """The caller's user, with roles, while their token may still be used.

        Refused like :meth:`actor`, and when the token's credentials version is not
        the user's current one or its refresh family was revoked (or is not theirs).
        One statement: the user, their roles, the family, and the workshop's rules,
        which most use cases read anyway (one row; :meth:`rules` then needs no query).
        """
        stmt = (
            select(User, RefreshFamily, WorkshopRules)
            .options(_ROLES_JOINED)
            .outerjoin(
                RefreshFamily,
                and_(RefreshFamily.id == caller.family, RefreshFamily.user_id == User.id),
            )
            .outerjoin(WorkshopRules, WorkshopRules.id == 1)
            .where(User.id == caller.user_id)
        )
        row = self.session.execute(stmt).unique().one_or_none()
        if row is None:
            raise user_inactive()
        user, family, rules = row
        live = family is not None and family.revoked_at is None
        _refuse_caller(caller, user.is_active, user.credentials_version, live)
        self._caller = user
        self._rules = _rules_of(rules)
        return user

    def caller_to_fold(self, permission: Permission | None = None) -> FoldedCaller | None:
        """The caller, for a use case to check in its own statement, or ``None`` when there
        is nobody left to check (no caller, or checked already: the use case then runs
        its statement without the caller's row).

        Only a use case declared ``@reads(folds_caller=True)`` gets one. Its statement
        joins :func:`caller_row` so that the caller's row comes back even with no rows
        of its own, and it hands the first row to :meth:`check_folded_caller` before it
        reads anything else from the result. ``permission``: the caller must also hold it.
        """
        if self._unchecked is None:
            return None
        return FoldedCaller(self._unchecked, permission)

    def check_folded_caller(self, folded: FoldedCaller, row: Row[Any] | None) -> None:
        """Refuse exactly as :meth:`check_caller` (and 403 without ``folded.permission``),
        from the caller's columns of the statement's first row (``None``: it returned no
        row, so there is no such user)."""
        self._unchecked = None  # a refusal is final: nothing checks twice
        if row is None:
            raise user_inactive()
        columns = row._mapping
        live = bool(columns["caller_family_live"]) if folded.shape.family else False
        _refuse_caller(
            folded.caller,
            columns["caller_is_active"],
            columns["caller_credentials_version"],
            live,
        )
        if folded.permission is not None:
            roles = columns["caller_roles"] or ""
            require([r for r in roles.split(",") if r], folded.permission)

    def run_folded(
        self, folded: FoldedCaller, stmt: Select[Any], params: dict[str, Any]
    ) -> tuple[Any, ...] | None:
        """Run a statement built with :func:`with_caller` or :func:`caller_with`, refusing
        the caller exactly as :meth:`check_caller` from its last three columns (and keeping
        their user for :meth:`actor`); the row's other columns. With no row at all the
        caller is checked on their own, first, and the answer is ``None``."""
        row = self.session.execute(stmt, {**params, **folded.write_params}).unique()
        found = row.one_or_none()
        if found is None:
            self.check_unchecked_caller()
            return None
        *columns, user, family_live, rules = found
        self._unchecked = None
        if user is None:
            raise user_inactive()
        _refuse_caller(folded.caller, user.is_active, user.credentials_version, bool(family_live))
        self._caller = user
        self._rules = _rules_of(rules)
        return tuple(columns)

    def check_unchecked_caller(self) -> None:
        """Check the request's caller now if no statement has yet (see :meth:`Shop.transaction`)."""
        caller, self._unchecked = self._unchecked, None
        if caller is not None:
            self.check_caller(caller)

    def actor(self, actor_id: int) -> User:
        """The acting user; a missing or deactivated one is not allowed to act at all.

        Loaded once per transaction: the request's caller was loaded when the
        transaction began, anyone else comes from the session's identity map the
        second time.
        """
        if self._caller is not None and self._caller.id == actor_id:
            return self._caller
        if self._rules is None and self.shop.caller is None:
            # The first actor of a transaction at a terminal (no token): the workshop's
            # rules, which most use cases read anyway, come in the same statement.
            row = self.session.execute(_ACTOR_WITH_RULES, {"actor_id": actor_id}).unique()
            found = row.one_or_none()
            user = None if found is None else found[0]
            self._rules = _rules_of(None if found is None else found[1]) if found else None
        else:
            user = self.user(actor_id)
        if user is None or not user.is_active:
            raise user_inactive()
        if self.shop.caller is None:
            self._caller = user
        return user

    def user(self, user_id: int) -> User | None:
        """Any user with their roles, in one statement (none if already in the session)."""
        return self.session.get(User, user_id, options=[_ROLES_JOINED])

    def authorise(self, actor_id: int | None, permission: Permission) -> User | None:
        """The actor, checked for ``permission``; ``None`` is the local operator at the CLI,
        who owns the database file anyway and so may do anything."""
        if actor_id is None:
            return None
        actor = self.actor(actor_id)
        require(actor.role_slugs, permission)
        return actor

    def rules(self) -> Rules:
        """The workshop's rules, read once per transaction (a change to them is written
        through :meth:`forget_rules`)."""
        if self._rules is None:
            self._rules = self._read_rules()
        return self._rules

    def forget_rules(self) -> None:
        """Read the rules again next time (after this transaction changed them)."""
        self._rules = None

    def _read_rules(self) -> Rules:
        return _rules_of(self.session.get(WorkshopRules, 1))


def _rules_of(row: WorkshopRules | None) -> Rules:
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


@overload
def writes(fn: Callable[Concatenate[Tx, P], R], /) -> Callable[Concatenate[Shop, P], R]: ...


@overload
def writes(
    *, folds_caller: bool
) -> Callable[[Callable[Concatenate[Tx, P], R]], Callable[Concatenate[Shop, P], R]]: ...


def writes(
    fn: Callable[Concatenate[Tx, P], R] | None = None, /, *, folds_caller: bool = False
) -> (
    Callable[Concatenate[Shop, P], R]
    | Callable[[Callable[Concatenate[Tx, P], R]], Callable[Concatenate[Shop, P], R]]
):
    """Run a use case in one write transaction; a lost race is retried once, then named,
    and so is a connection found dead before COMMIT.

    ``folds_caller``: the use case checks the request's caller in the statement that
    locks what it changes (:func:`with_caller`), not in a statement of its own.
    """

    def decorate(fn: Callable[Concatenate[Tx, P], R]) -> Callable[Concatenate[Shop, P], R]:
        check_numbers = _numbers_checker(fn)

        def run(shop: Shop, /, *args: P.args, **kwargs: P.kwargs) -> R:
            check_numbers(*args, **kwargs)
            lost_race = lost_connection = False
            while True:
                try:
                    with shop.transaction(write=True, folds_caller=folds_caller) as tx:
                        result = fn(tx, *args, **kwargs)
                        tx.session.flush()
                    return result
                except IntegrityError as exc:
                    name = violated_constraint(exc)
                    if name not in CONSTRAINT_ERRORS:
                        raise
                    if lost_race:
                        raise CONSTRAINT_ERRORS[name]() from exc
                    lost_race = True
                except ConnectionLost:
                    if lost_connection:
                        raise
                    lost_connection = True

        return _named_like(run, fn)

    return decorate if fn is None else decorate(fn)


@overload
def reads(fn: Callable[Concatenate[Tx, P], R], /) -> Callable[Concatenate[Shop, P], R]: ...


@overload
def reads(
    *, folds_caller: bool, one_statement: bool = False
) -> Callable[[Callable[Concatenate[Tx, P], R]], Callable[Concatenate[Shop, P], R]]: ...


def reads(
    fn: Callable[Concatenate[Tx, P], R] | None = None,
    /,
    *,
    folds_caller: bool = False,
    one_statement: bool = False,
) -> (
    Callable[Concatenate[Shop, P], R]
    | Callable[[Callable[Concatenate[Tx, P], R]], Callable[Concatenate[Shop, P], R]]
):
    """Run a read-only use case in one transaction (once more if its connection was dead).

    ``folds_caller``: the use case checks the request's caller in its own statement
    (:meth:`Tx.caller_to_fold`) rather than the transaction in one of its own.
    ``one_statement``: it reads everything, the caller included, with one statement; on
    PostgreSQL that statement is then its own transaction (autocommit: one snapshot,
    no BEGIN and COMMIT round trips).
    """

    def decorate(fn: Callable[Concatenate[Tx, P], R]) -> Callable[Concatenate[Shop, P], R]:
        check_numbers = _numbers_checker(fn)

        def run(shop: Shop, /, *args: P.args, **kwargs: P.kwargs) -> R:
            check_numbers(*args, **kwargs)
            for last in (False, True):
                try:
                    with shop.transaction(
                        write=False, folds_caller=folds_caller, one_statement=one_statement
                    ) as tx:
                        return fn(tx, *args, **kwargs)
                except ConnectionLost:
                    if last:
                        raise
            raise AssertionError("unreachable")

        return _named_like(run, fn)

    return decorate if fn is None else decorate(fn)


def _named_like(
    wrapper: Callable[Concatenate[Shop, P], R], fn: Callable[..., object]
) -> Callable[Concatenate[Shop, P], R]:
    """Give the wrapper the use case's name and docstring (for tracebacks and help())."""
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(wrapper, attribute, getattr(fn, attribute))
    return wrapper
