"""A read-only database says so, in the domain, the TUI's message and the API: never "try again".

On PostgreSQL the database is made read-only for real (``default_transaction_read_only``,
which refuses writes with the SQLSTATE a hot standby uses). SQLite's ``PRAGMA query_only``
makes every write fail exactly as a read-only file does (SQLITE_READONLY), so this runs
the same whoever runs the suite (root ignores chmod).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from shopfloor.api import create_app
from shopfloor.api.tokens import TokenService, TokenType
from shopfloor.config import Settings
from shopfloor.domain import Shop, ShopUnavailable, create_bike, create_user, list_bikes
from shopfloor.domain.database import create_db_engine

from ..cli.conftest import one_line_error, run
from ..conftest import fast_hasher
from ..databases import PostgresTemplate
from .conftest import SECRET, refused, serve_in_thread, start_server, stop_server


def read_only_shop(url: str) -> Shop:
    engine = create_db_engine(url)

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only=ON")

    return Shop(engine, hasher=fast_hasher())


def a_write_refused(shop: Shop) -> ShopUnavailable:
    """What adding a bike to ``shop`` (which has one) raises, after checking reads work."""
    try:
        with pytest.raises(ShopUnavailable) as refused:
            create_bike(shop, None, "RM-0002")
        assert list_bikes(shop).total_count == 1
    finally:
        shop.dispose()
    return refused.value


def test_a_write_to_a_read_only_database_says_read_only_and_reads_still_work(
    sqlite_url: str,
) -> None:
    writable = Shop(create_db_engine(sqlite_url), hasher=fast_hasher())
    create_bike(writable, None, "RM-0001")
    writable.dispose()
    refused = a_write_refused(read_only_shop(sqlite_url))
    assert refused.code == "database_read_only"
    assert "read-only" in refused.message
    assert "try again" not in refused.message


def test_the_api_answers_writes_on_a_read_only_database_with_read_only(
    sqlite_url: str, tmp_path: Path
) -> None:
    writable = Shop(create_db_engine(sqlite_url), hasher=fast_hasher())
    boss = create_user(writable, None, "boss", "secret-pw", roles=["super_admin"])
    writable.dispose()
    shop = read_only_shop(sqlite_url)
    settings = Settings(data_dir=tmp_path, database_url=sqlite_url, secret_key_value=SECRET)
    token = TokenService(SECRET).issue(boss.id, TokenType.ACCESS)
    try:
        with serve_in_thread(create_app(shop, settings)) as base:
            # Logging in writes too (a refreshed hash, the throttle), so it is refused alike.
            login = httpx.post(
                f"{base}/auth/login/", json={"username": "boss", "password": "secret-pw"}
            )
            created = httpx.post(
                f"{base}/bikes/create/",
                json={"bike_code": "RM-0002"},
                headers={"Authorization": f"Bearer {token}"},
            )
    finally:
        shop.dispose()
    for answer in (login, created):
        assert answer.status_code == 503
        assert answer.json()["error"] == "database_read_only"
        assert "read-only" in answer.json()["message"]
        assert "try again" not in answer.json()["message"]


def _make_read_only(url: str) -> None:
    """Every new session on ``url``'s database starts read-only, as on a hot standby
    (PostgreSQL refuses writes there with the same SQLSTATE 25006)."""
    name = make_url(url).database
    admin = make_url(url).set(database="postgres", drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')  # type: ignore[arg-type]


@pytest.mark.postgres
def test_a_read_only_postgresql_refuses_writes_and_logins_with_503_read_only_and_serves_reads(
    postgres_template: PostgresTemplate, tmp_path: Path
) -> None:
    """Through a real `shopfloor serve`, the domain (what the TUI shows) and the CLI."""
    with postgres_template.database(tmp_path) as url:
        writable = Shop(create_db_engine(url), hasher=fast_hasher())
        boss = create_user(writable, None, "boss", "secret-pw", roles=["super_admin"])
        create_bike(writable, None, "RM-0001")
        writable.dispose()
        _make_read_only(url)

        in_domain = a_write_refused(Shop(create_db_engine(url), hasher=fast_hasher()))

        cli_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SHOPFLOOR_")},
            "SHOPFLOOR_DATA_DIR": str(tmp_path / "cli"),
            "SHOPFLOOR_DATABASE_URL": url,
        }
        from_cli = one_line_error(run(["bike", "add", "RM-0003"], cli_env))

        auth = {"Authorization": f"Bearer {TokenService(SECRET).issue(boss.id, TokenType.ACCESS)}"}
        proc, base = start_server(url, tmp_path)
        try:
            with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as client:
                login = client.post(
                    "auth/login/", json={"username": "boss", "password": "secret-pw"}
                )
                created = client.post("bikes/create/", json={"bike_code": "RM-0002"}, headers=auth)
                listed = client.get("bikes/", headers=auth)
                me = client.get("users/me/", headers=auth)
        finally:
            stop_server(proc)
        log = (tmp_path / "server.log").read_text(errors="replace")

    assert in_domain.code == "database_read_only"
    sentence = in_domain.message
    assert "read-only" in sentence
    assert "try again" not in sentence
    assert from_cli == f"shopfloor: {sentence}"
    for answer in (login, created):
        body = refused(answer, 503)
        assert body["error"] == "database_read_only"
        assert body["message"] == sentence
    assert listed.status_code == 200
    assert [b["bike_code"] for b in listed.json()["results"]] == ["RM-0001"]
    assert me.status_code == 200
    assert "Traceback" not in log, log[-4000:]
