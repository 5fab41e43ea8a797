"""Engines for the shared database, and its migrations.

SQLite runs with WAL, foreign keys on and a busy timeout; write transactions
there start with ``BEGIN IMMEDIATE`` so concurrent writers queue instead of
failing on a lock upgrade. Within one process they queue first in line for their
turn (:func:`writer_turn`), so only one at a time waits on SQLite's lock, whose busy
handler sleeps and polls. PostgreSQL is reached through psycopg 3, with no ping
before each use of a pooled connection.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, ProgrammingError

if TYPE_CHECKING:
    from alembic.config import Config

from .errors import PermissionDenied, SchemaOutOfDate, unavailable
from .grants import apply_grants, granted_roles

SQLITE_BUSY_TIMEOUT_MS = 15_000
WRITE_OPTION = "shopfloor_write"
INSUFFICIENT_PRIVILEGE = "42501"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` configured the way shopfloor needs it."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {})
        kwargs["connect_args"].setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        kwargs["connect_args"].setdefault("check_same_thread", False)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    # No ping before each checkout (a round trip per transaction): a connection found
    # dead is dropped by the pool and the use case runs again on a fresh one (shop.py).
    # Day boundaries in analytics are UTC, whatever the server's own setting.
    kwargs.setdefault("connect_args", {}).setdefault("options", "-c timezone=UTC")
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class WriterQueue:
    """A first-come, first-served lock: threads get their turn in the order they asked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._lock:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=timeout):
            return True  # handed over by release(): held now
        with self._lock:
            if turn in self._waiting:
                self._waiting.remove(turn)
                return False
        return True  # handed over just as the wait ran out

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()  # the next in line holds it now
            else:
                self._held = False

    @property
    def waiting(self) -> int:
        """How many threads wait for their turn."""
        with self._lock:
            return len(self._waiting)


_WRITERS: dict[str, WriterQueue] = {}
_WRITERS_LOCK = threading.Lock()


@contextmanager
def writer_turn(engine: Engine, write: bool) -> Iterator[None]:
    """For a write transaction on a SQLite file: wait in line for this process's turn
    (then SQLite's own lock is contended only across processes). Anything else: at once.
    Waiting longer than SQLite's busy timeout is refused as SQLite would refuse it."""
    if not write or engine.dialect.name != "sqlite":
        yield
        return
    key = str(engine.url.database)
    with _WRITERS_LOCK:
        queue = _WRITERS.setdefault(key, WriterQueue())
    if not queue.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
        raise unavailable()
    try:
        yield
    finally:
        queue.release()


def migrations_dir() -> Path:
    """Where the Alembic scripts live (the repo's ``migrations/`` or the wheel's copy)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "migrations", here / "_migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise FileNotFoundError("shopfloor's migrations folder is missing from this install")


# The newest migration's revision (tests/db/test_migrations.py checks it is Alembic's
# head). Opening a shop compares it with the database's own without importing Alembic,
# which a terminal would otherwise load (and keep in memory) on every start.
SCHEMA_HEAD = "0015_rules_versions"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at ``url`` and shopfloor's migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision``.

    On PostgreSQL this must run as the owner of the tables; the application
    roles granted before (``shopfloor db grant``) are granted again, so tables
    a migration adds are theirs to use at once, on the same terms.
    """
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            if conn.dialect.name == "postgresql":
                for role in granted_roles(conn):
                    apply_grants(conn, role)
    except ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        raise PermissionDenied(
            "Only the owner of the shop's tables may migrate them: run `shopfloor db upgrade` "
            "with SHOPFLOOR_DATABASE_URL naming the owner, not the application role.",
            field="database",
        ) from exc


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the database behind ``engine`` down to ``revision``."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def head_revision() -> str | None:
    """The head of the migrations, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(migrations_dir()))
    return script.get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; ``None`` for an empty database."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:  # no such table: nothing was ever migrated here
            return None


def ensure_schema(engine: Engine, *, auto_upgrade: bool) -> None:
    """Make sure the schema is at head: migrate when allowed, else say what to run."""
    if current_revision(engine) == SCHEMA_HEAD:
        return
    if auto_upgrade:
        upgrade(engine)
        return
    raise SchemaOutOfDate(
        "The database schema is not up to date; run `shopfloor db upgrade` first.",
        field="database",
    )
