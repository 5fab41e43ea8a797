"""The shop (the database, the clock, the password hasher) and the transaction.

Every use case runs in exactly one transaction opened here, and goes one way:

1. **Its first statement names the caller.** ``tx.lock(statement, ...)`` (a row it will
   change, locked) or ``tx.read(statement, ...)`` runs a statement of ``sql/`` joined
   to the caller's row (:mod:`.sql.caller`), and :func:`admit` refuses in one place, in
   this order: 401 (no such user or deactivated, credentials changed, session
   revoked), 403 (the permission), 404 (the row is missing). The use case's own state
   checks come after. Who the caller is only changes the bound values: the request's
   token (:meth:`Shop.acting_as`), a terminal's actor (``actor=``, no token), or nobody
   (the local operator at the CLI, who may do anything).
2. **It writes explicitly**, one way per table:

   - tickets, work_sessions, bikes: ``tx.save`` a new version of a row read from
     ``sql/`` (``tx.update`` by id), ``tx.insert_for_id`` a new one;
   - ticket_transitions, work_session_events, xp_ledger (append-only): ``tx.insert``;
   - technician_days, pause_days: ``tx.days`` (:class:`.rollups.DayTotals`);
   - ticket_status_counts, bike_status_counts: the database's triggers;
   - users, user_roles, refresh_families, throttle_entries, workshop_rules (cold):
     the ORM session ``tx.session``.

   The hot writes are collected and sent together (:mod:`.batch`) before the
   transaction's next read and at commit. The rows a use case reads are plain rows or
   frozen dataclasses (``sql/``): it changes a row by saving a new version of it.
3. **Time is stamped after the locks:** ``tx.now`` reads the clock the first time it is
   asked for, once the use case holds what it changes.

A write that loses a race at a unique index is run once more, so the loser meets the
same clear pre-check error as if it had come second; should that fail too, the
invariant's own sentence is raised (:data:`.rules.INVARIANTS`). A use case whose
connection turns out dead before COMMIT is run once more on a fresh one.
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import (
    Any,
    ClassVar,
    Concatenate,
    ParamSpec,
    Protocol,
    TypeVar,
    TypeVarTuple,
    overload,
)

from argon2 import PasswordHasher
from sqlalchemy import Connection, Engine, Executable, Result, RowMapping
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TypedReturnsRows

from .batch import Writes
from .clock import Clock, SystemClock
from .database import WRITE_OPTION, writer_turn
from .errors import (
    AuthenticationFailed,
    DomainError,
    NotFound,
    PermissionDenied,
    ShopUnavailable,
    ValidationFailed,
    unavailable,
)
from .models import Base
from .rollups import DayTotals
from .rules import INVARIANTS, Permission, Rules, pause_reasons_from_json, require
from .sql.caller import CALLER_ONLY, FOUND, RULE_COLUMNS, name_of

P = ParamSpec("P")
R = TypeVar("R")
Ts = TypeVarTuple("Ts")

# SQLite names the columns of a violated unique index, not the index.
_SQLITE_COLUMNS: dict[str, str] = {
    column: name for name, rule in INVARIANTS.items() for column in rule.sqlite_columns
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?:index '([^']+)'|([\w.]+))")
# SQLite triggers standing in for a constraint start their message with its name.
_SQLITE_TRIGGER = re.compile(r"^(\w+):")


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the index or constraint behind ``exc``, when it can be told."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    trigger = _SQLITE_TRIGGER.match(str(exc.orig))
    if trigger is not None and trigger.group(1) in INVARIANTS:
        return trigger.group(1)
    match = _SQLITE_UNIQUE.search(str(exc.orig))
    if match is None:
        return None
    return match.group(1) or _SQLITE_COLUMNS.get(match.group(2))


# --- who acts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Who a request acts for, as its (already verified) token says; a terminal's actor is
    a caller with neither token field.

    Whether they still may act is the database's to say, in the use case's own
    transaction: the user must be active, ``credentials_version`` (when given) their
    current one, and ``family`` (when given) a refresh family of theirs not revoked.
    """

    user_id: int
    credentials_version: int | None = None
    family: str | None = None


@dataclass(frozen=True)
class Actor:
    """The user a use case acts as, once admitted: their id, roles and name."""

    id: int
    role_slugs: tuple[str, ...]
    name: str


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


def admit(
    caller: Caller | None,
    row: Mapping[Any, Any] | None,
    permission: Permission | None,
    missing: Callable[[], DomainError] | None,
) -> Actor | None:
    """The one check of who may do what, from the first row of a statement joined to the
    caller (:mod:`.sql.caller`): 401, then 403, then 404; the use case's state checks come
    after. ``None`` admits the local operator (nobody named), who may do anything."""
    actor = None
    if caller is not None:
        if row is None or not row["caller_active"]:
            raise user_inactive()
        version = caller.credentials_version
        if version is not None and version != row["caller_version"]:
            raise credentials_changed()
        if caller.family is not None and not row["caller_family_live"]:
            raise session_revoked()
        roles = tuple(sorted(r for r in (row["caller_roles"] or "").split(",") if r))
        if permission is not None:
            require(roles, permission)
        actor = Actor(caller.user_id, roles, name_of(row, "caller") or "")
    refuse_missing(row, missing)
    return actor


def refuse_missing(
    row: Mapping[Any, Any] | None, missing: Callable[[], DomainError] | None
) -> None:
    """404 when a joined statement found no row of its own (see :func:`admit`)."""
    if missing is not None and (row is None or row.get(FOUND, 1) is None):
        raise missing()


def rules_of(row: Mapping[Any, Any]) -> Rules:
    """The workshop's rules from the caller's row (the defaults when there is no rules row)."""
    return _rules_from_text(tuple(row[f"rules_{name}"] for name in RULE_COLUMNS))


@functools.lru_cache(maxsize=16)
def _rules_from_text(values: tuple[Any, ...]) -> Rules:
    """Rules from the rules row's columns (the pause reasons as JSON text): parsed once."""
    raw = dict(zip(RULE_COLUMNS, values, strict=True))
    if raw["checklist_min_items"] is None:
        return Rules()
    reasons, shift_end = raw["pause_reasons"], raw["shift_end"]
    return Rules(
        raw["checklist_min_items"],
        raw["xp_srt_divisor"],
        raw["xp_first_pass_bonus"],
        pause_reasons=pause_reasons_from_json(json.loads(reasons) if reasons else None),
        pause_budget_minutes=raw["pause_budget_minutes"],
        shift_end=time.fromisoformat(shift_end) if shift_end else None,
        time_zone=raw["time_zone"],
        allow_self_inspection=bool(raw["allow_self_inspection"]),
        review_required=bool(raw["review_required"]),
        start_opens_timer=bool(raw["start_opens_timer"]),
        critical_tasks_required=bool(raw["critical_tasks_required"]),
        first_pass_bonus_within_srt=bool(raw["first_pass_bonus_within_srt"]),
        inspector_xp_pass=int(raw["inspector_xp_pass"] or 0),
        inspector_xp_fail=int(raw["inspector_xp_fail"] or 0),
    )


class Rows(list[RowMapping]):
    """A joined statement's own rows. ``first`` is its first row as it came, with the
    caller's columns and what was computed beside them (a page's total), even when the
    statement found no row of its own."""

    first: RowMapping | None = None


class HotRow(Protocol):
    """A frozen row of a hot table, as a statement of ``sql/`` returns it."""

    MODEL: ClassVar[type[Base]]
    __dataclass_fields__: ClassVar[dict[str, Any]]  # a dataclass: saved as a new version

    @property
    def id(self) -> int: ...


Row = TypeVar("Row", bound=HotRow)


# --- the transaction --------------------------------------------------------------------------


@dataclass
class Tx:
    """A running transaction: its connection, its shop, its collected writes, the daily
    rollups it adds to, and the one ``now`` it stamps."""

    conn: Connection
    shop: Shop
    days: DayTotals = field(default_factory=DayTotals)
    actor: Actor | None = field(default=None, init=False)
    checked: bool = field(default=False, init=False)
    _writes: Writes = field(default_factory=Writes, init=False, repr=False)
    _now: datetime | None = field(default=None, init=False, repr=False)
    _rules: Rules | None = field(default=None, init=False, repr=False)
    _session: Session | None = field(default=None, init=False, repr=False)

    # -- the caller's check, with the use case's first statement --

    def lock(
        self,
        statement: Executable,
        params: Mapping[str, Any],
        *,
        actor: int | None = None,
        permission: Permission | None = None,
        missing: Callable[[], DomainError],
    ) -> RowMapping:
        """The one row ``statement`` (a locking statement of ``sql/``, joined to the caller)
        finds, held until the transaction ends; refused as :func:`admit` says first."""
        return self.read(statement, params, actor=actor, permission=permission, missing=missing)[0]

    def read(
        self,
        statement: Executable,
        params: Mapping[str, Any] | None = None,
        *,
        actor: int | None = None,
        permission: Permission | None = None,
        missing: Callable[[], DomainError] | None = None,
    ) -> Rows:
        """The rows of ``statement`` (a statement of ``sql/`` joined to the caller), once the
        caller was admitted: the use case's first statement. Acting as ``actor`` (a
        terminal's user) unless the shop acts for a request's caller; ``missing``: the
        error when the statement found no row of its own. The rows carry the caller's
        columns too; with none of its own the answer is empty."""
        caller = self._caller(actor)
        rows = Rows(self.execute(statement, self._bound(caller, params)).mappings())
        first = rows.first = rows[0] if rows else None
        if not self._admit(caller, first, permission, missing):
            rows.clear()
        return rows

    def read_streamed(
        self,
        statement: Executable,
        params: Mapping[str, Any] | None = None,
        *,
        actor: int | None = None,
        permission: Permission | None = None,
        batch: int = 64,
    ) -> tuple[RowMapping | None, Iterator[RowMapping]]:
        """As :meth:`read`, for more rows than a reply should hold at once: they are fetched
        ``batch`` at a time as the iterator is read (a server-side cursor on PostgreSQL),
        so the transaction stays open until then. Returns the first row as it came (the
        caller's columns, a page's total) and the statement's own rows."""
        caller = self._caller(actor)
        self.flush()
        result = self.conn.execute(
            statement.execution_options(yield_per=batch), self._bound(caller, params)
        ).mappings()
        first = result.fetchone()
        if not self._admit(caller, first, permission, None):
            result.close()
            return first, iter(())
        assert first is not None

        def rows() -> Iterator[RowMapping]:
            yield first
            yield from result

        return first, rows()

    @staticmethod
    def _bound(caller: Caller | None, params: Mapping[str, Any] | None) -> dict[str, Any]:
        bound = dict(params or {})
        bound["caller_id"] = None if caller is None else caller.user_id
        bound["caller_family"] = None if caller is None else caller.family
        return bound

    def _admit(
        self,
        caller: Caller | None,
        first: RowMapping | None,
        permission: Permission | None,
        missing: Callable[[], DomainError] | None,
    ) -> bool:
        """Admit the caller on the first statement's first row (later ones only refuse a
        missing row); whether the statement found rows of its own."""
        if not self.checked:
            self.checked = True  # a refusal is final too: nothing checks twice
            self.actor = admit(caller, first, permission, missing)
            if first is not None:
                self._rules = rules_of(first)
        else:
            refuse_missing(first, missing)
        return first is not None and first.get(FOUND, 1) is not None

    def authorise(self, actor: int | None, permission: Permission | None = None) -> Actor | None:
        """Admit the caller (acting as ``actor``) for ``permission``, in a statement of its own:
        for a use case whose first statement is not one of ``sql/`` (a cold table's)."""
        self.read(CALLER_ONLY, actor=actor, permission=permission)
        return self.actor

    @property
    def acting(self) -> Actor:
        """The admitted actor of a use case that acts as someone (never the local operator)."""
        if self.actor is None:
            raise AuthenticationFailed(
                "Nobody is logged in here; log in first.", field="actor", code="not_authenticated"
            )
        return self.actor

    def _caller(self, actor: int | None) -> Caller | None:
        token = self.shop.caller
        if token is None:
            return None if actor is None else Caller(actor)
        if actor is not None and actor != token.user_id:
            raise PermissionDenied("A request may act only for the user its token names.")
        return token

    # -- reading --

    @overload
    def execute(
        self, statement: TypedReturnsRows[*Ts], params: Mapping[str, Any] | None = None
    ) -> Result[*Ts]: ...

    @overload
    def execute(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Result[*tuple[Any, ...]]: ...

    def execute(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Result[*tuple[Any, ...]]:
        """Run a statement on the transaction, after sending the writes collected so far."""
        self.flush()
        return self.conn.execute(statement, params)

    def scalar(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Any:
        return self.execute(statement, params).scalar()

    @property
    def session(self) -> Session:
        """The ORM session on this transaction, for the cold admin tables only (users,
        roles, refresh families, throttle entries, the rules row)."""
        self.flush()
        if self._session is None:
            # It joins the transaction; COMMIT stays the transaction's own.
            self._session = Session(bind=self.conn)
        return self._session

    @property
    def now(self) -> datetime:
        """The transaction's one timestamp, read from the clock the first time it is asked for.

        Use cases lock what they change before they ask, so a transaction that queued
        for a lock reads the clock only once it holds it: whatever it stamps is then
        never older than what the lock's previous holder stamped.
        """
        if self._now is None:
            # Whole seconds: every interval is then exact, so the cached, the
            # Python-derived and the SQL-derived worked time always agree.
            self._now = self.shop.clock.now().replace(microsecond=0)
        return self._now

    def rules(self) -> Rules:
        """The workshop's rules, as read with the caller (or now, after :meth:`forget_rules`)."""
        if self._rules is None:
            nobody = {"caller_id": None, "caller_family": None}
            self._rules = rules_of(self.execute(CALLER_ONLY, nobody).mappings().one())
        return self._rules

    def forget_rules(self) -> None:
        """Read the rules again next time (after this transaction changed them)."""
        self._rules = None

    # -- writing --

    def insert(self, model: type[Base], *rows: Mapping[str, Any], in_order: bool = False) -> None:
        """Append ``rows`` (by column name) with the next batch. ``in_order``: in one INSERT,
        in the order given (for a trigger that checks each row against the ones before)."""
        self._writes.insert(model, rows, in_order=in_order)

    def insert_for_id(self, model: type[Base], values: Mapping[str, Any]) -> int:
        """Insert one row now, for its id (a row the use case goes on to refer to)."""
        self.flush()
        return self._writes.insert_now(self.conn, model, values)

    def update(self, model: type[Base], row_id: int, **values: Any) -> None:
        """Set ``values`` on the row ``row_id`` with the next batch."""
        self._writes.update(model, row_id, values)

    def save(self, row: Row, **values: Any) -> Row:
        """:meth:`update` the columns of a row (read with a statement of ``sql/``) that
        ``values`` change; the row as it now is."""
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if not changed:
            return row
        self.update(row.MODEL, row.id, **changed)
        return replace(row, **changed)

    def flush(self) -> None:
        """Send the collected writes (and the rollups they add to) now."""
        if self.days:
            self._writes.extend(self.days.upserts(self.rules().time_zone))
        self._writes.send(self.conn)
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


class ConnectionLost(ShopUnavailable):
    """The connection died before COMMIT was sent: nothing was committed, so the use case
    may run again on a fresh connection (the pool drops the dead ones)."""


class NoCallerCheck(RuntimeError):
    """A use case acting for a request's caller ended without checking them: a bug."""


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
        """This shop for one request's ``caller``: every use case checks them in its first
        statement (no transaction of its own). Shares the engine, clock and hasher."""
        bound = copy.copy(self)
        bound.caller = caller
        return bound

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, write: bool, one_statement: bool = False) -> Iterator[Tx]:
        """One transaction: committed when the block ends cleanly, rolled back otherwise.

        A block that fails with a domain error before its caller was checked (input it
        refused up front) checks them then: a caller who may no longer act is told so
        first. ``one_statement``: a read of one statement, on PostgreSQL its own
        transaction (autocommit: one snapshot, no BEGIN and COMMIT round trips).
        """
        bind = self._write_bind if write else self.engine
        if one_statement and not write and self.dialect == "postgresql":
            bind = self._one_statement_bind
        committing = False
        try:
            with writer_turn(self.engine, write), bind.connect() as conn, conn.begin():
                tx = Tx(conn, self)
                try:
                    try:
                        yield tx
                    except DomainError:
                        if self.caller is not None and not tx.checked:
                            tx.authorise(None)
                        raise
                    if self.caller is not None and not tx.checked:
                        raise NoCallerCheck("the use case never checked its caller")
                    tx.flush()
                    committing = True
                finally:
                    tx.close()
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                translated = _translated(exc)
                if translated is None:
                    raise
                raise translated from exc
            if committing:
                # It died while COMMIT was on its way: whether it landed is unknown, so
                # running the use case again could do it twice.
                raise unavailable() from exc
            raise ConnectionLost(unavailable().message, field="database") from exc
        except (OverflowError, PoolTimeout) as exc:
            raise _translated(exc) or unavailable() from exc

    def dispose(self) -> None:
        self.engine.dispose()


def _out_of_range(exc: DataError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "22003"  # numeric_value_out_of_range


def _read_only(exc: Exception) -> bool:
    """Whether the database refused a write because it is read-only (file or server)."""
    orig = getattr(exc, "orig", None)
    return (
        str(getattr(orig, "sqlite_errorname", "")).startswith("SQLITE_READONLY")
        or getattr(orig, "sqlstate", None) == "25006"  # read_only_sql_transaction
    )


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
        return unavailable()
    return None


INT_COLUMN_RANGE = range(-(2**31), 2**31)


def _numbers_checker(fn: Callable[..., object]) -> Callable[..., None]:
    """Refuse whole numbers the 32-bit columns cannot hold, naming the parameter.

    SQLite would accept them and PostgreSQL would fail; checking here makes both
    answer alike, before any query runs.
    """
    signature = inspect.signature(fn)

    def out_of_range(value: object) -> bool:
        is_number = isinstance(value, int) and not isinstance(value, bool)
        return is_number and value not in INT_COLUMN_RANGE

    def check(*args: object, **kwargs: object) -> None:
        if not any(map(out_of_range, (*args, *kwargs.values()))):
            return
        bound = signature.bind_partial(None, *args, **kwargs)
        name = next(n for n, value in bound.arguments.items() if out_of_range(value))
        raise ValidationFailed(
            f"{name} is out of range; ids and counts fit in 32 bits.",
            field=name,
            code="out_of_range",
        )

    return check


def writes(fn: Callable[Concatenate[Tx, P], R], /) -> Callable[Concatenate[Shop, P], R]:
    """Run a use case in one write transaction; a lost race is retried once, then named
    by its invariant, and so is a connection found dead before COMMIT."""
    check_numbers = _numbers_checker(fn)

    def run(shop: Shop, /, *args: P.args, **kwargs: P.kwargs) -> R:
        check_numbers(*args, **kwargs)
        lost_race = lost_connection = False
        while True:
            try:
                with shop.transaction(write=True) as tx:
                    return fn(tx, *args, **kwargs)
            except IntegrityError as exc:
                name = violated_constraint(exc)
                if name not in INVARIANTS:
                    raise
                if lost_race:
                    raise INVARIANTS[name].refused() from exc
                lost_race = True
            except ConnectionLost:
                if lost_connection:
                    raise
                lost_connection = True

    return _named_like(run, fn)


@overload
def reads(fn: Callable[Concatenate[Tx, P], R], /) -> Callable[Concatenate[Shop, P], R]: ...


@overload
def reads(
    *, one_statement: bool
) -> Callable[[Callable[Concatenate[Tx, P], R]], Callable[Concatenate[Shop, P], R]]: ...


def reads(
    fn: Callable[Concatenate[Tx, P], R] | None = None, /, *, one_statement: bool = False
) -> (
    Callable[Concatenate[Shop, P], R]
    | Callable[[Callable[Concatenate[Tx, P], R]], Callable[Concatenate[Shop, P], R]]
):
    """Run a read-only use case in one transaction (once more if its connection was dead).

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
                    with shop.transaction(write=False, one_statement=one_statement) as tx:
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


def no_row(what: str, field_name: str, row_id: object) -> Callable[[], NotFound]:
    """The 404 of a lookup by id: ``No ticket with id 12.``"""
    return lambda: NotFound(f"No {what} with id {row_id}.", field=field_name)
