"""Counting what the driver runs: statements, transactions, disconnects (engine events)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine, event

T = TypeVar("T")


@dataclass
class Tally:
    """What the driver ran for one stretch of work."""

    statements: int = 0
    transactions: int = 0
    pings: int = 0
    sql: list[str] = field(default_factory=list)  # the text of each cursor statement


@dataclass
class StatementCounter:
    """Counts every statement the driver runs on ``engine``, from its events.

    psycopg opens a transaction implicitly and both drivers commit through the
    connection, not a cursor, so BEGIN, COMMIT and ROLLBACK are counted from the
    engine's transaction events, and an explicit ``BEGIN`` statement (SQLite's)
    is not counted twice. A pool pre-ping never passes through the cursor events
    either; it is counted per checkout when the pool has it switched on.
    """

    engine: Engine
    tally: Tally = field(default_factory=Tally)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        for name in ("begin", "commit", "rollback"):
            event.listen(self.engine, name, self._transaction_event(name))
        if getattr(self.engine.pool, "_pre_ping", False):
            event.listen(self.engine.pool, "checkout", self._ping)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("BEGIN"):
            return  # counted by the begin event
        with self._lock:
            self.tally.statements += 1
            self.tally.sql.append(statement)

    def _transaction_event(self, name: str) -> Any:
        def seen(conn: Any) -> None:
            # In autocommit each statement is its own transaction: BEGIN and COMMIT
            # are only SQLAlchemy's bookkeeping then, nothing goes to the server.
            autocommit = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
            with self._lock:
                self.tally.statements += not autocommit
                self.tally.transactions += name == "begin"

        return seen

    def _ping(self, *_args: Any) -> None:
        with self._lock:
            self.tally.statements += 1
            self.tally.pings += 1

    def measure(self, call: Callable[[], T]) -> tuple[T, Tally]:
        with self._lock:
            self.tally = Tally()
        result = call()
        with self._lock:
            return result, self.tally


def seen_disconnects(engine: Engine) -> list[bool]:
    """Grows by one each time the engine finds a connection dead."""
    seen: list[bool] = []

    def on_error(context: Any) -> None:
        if context.is_disconnect:
            seen.append(True)

    event.listen(engine, "handle_error", on_error)
    return seen
