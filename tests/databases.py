"""Real test databases: a migrated SQLite file or PostgreSQL database per test.

Each backend is migrated once per test process into a template; every test then
gets its own copy (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on
PostgreSQL), so tests are isolated and never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from shopfloor.domain.database import create_db_engine, upgrade

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REQUIRE_POSTGRES = os.environ.get("SHOPFLOOR_TEST_REQUIRE_POSTGRES") == "1"


def postgres_admin_url() -> str:
    return os.environ.get("SHOPFLOOR_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_unavailable_reason() -> str | None:
    try:
        with psycopg.connect(_libpq(postgres_admin_url()), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {postgres_admin_url()} is not reachable: {exc}".strip()


class SqliteTemplate:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.sqlite3"
        engine = create_db_engine(f"sqlite:///{self.path}")
        upgrade(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()

    @contextmanager
    def database(self, directory: Path) -> Iterator[str]:
        target = directory / f"shop-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copyfile(self.path, target)
        yield f"sqlite:///{target}"


class PostgresTemplate:
    def __init__(self) -> None:
        self.admin = _libpq(postgres_admin_url())
        self.name = f"shopfloor_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._execute(f'CREATE DATABASE "{self.name}"')
        engine = create_db_engine(self.url_for(self.name))
        upgrade(engine)
        engine.dispose()

    def url_for(self, name: str) -> str:
        return self.url_for_admin(self.admin, name)

    @staticmethod
    def url_for_admin(admin: str, name: str) -> str:
        return make_url(admin).set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    @contextmanager
    def database(self, _directory: Path) -> Iterator[str]:
        name = f"shopfloor_t_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}" STRATEGY FILE_COPY')
        try:
            yield self.url_for(name)
        finally:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def skip_or_fail_without_postgres() -> None:
    reason = postgres_unavailable_reason()
    if reason is None:
        return
    if REQUIRE_POSTGRES:
        pytest.fail(f"{reason} (SHOPFLOOR_TEST_REQUIRE_POSTGRES=1)")
    pytest.skip(reason)


def terminate_backends(engine: Engine, pid: int | None = None) -> int:
    """End the server side of the connections to ``engine``'s PostgreSQL database (or of
    the one backend ``pid``) from outside, as a restart or an idle timeout would; how many."""
    url = engine.url.render_as_string(hide_password=False)
    with psycopg.connect(_libpq(url), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND (%s::int IS NULL OR pid = %s::int)",
            (pid, pid),
        ).fetchall()
    return len(rows)
