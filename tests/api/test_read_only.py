"""A read-only database says so, in the domain, the TUI's message and the API: never "try again".

SQLite's ``PRAGMA query_only`` makes every write fail exactly as a read-only file does
(SQLITE_READONLY), so this runs the same whoever runs the suite (root ignores chmod).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from shopfloor.api import create_app
from shopfloor.api.tokens import TokenService, TokenType
from shopfloor.config import Settings
from shopfloor.domain import Shop, ShopUnavailable, create_bike, create_user, list_bikes
from shopfloor.domain.database import create_db_engine

from ..conftest import fast_hasher
from .conftest import SECRET, serve_in_thread


def read_only_shop(url: str) -> Shop:
    engine = create_db_engine(url)

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only=ON")

    return Shop(engine, hasher=fast_hasher())


def test_a_write_to_a_read_only_database_says_read_only_and_reads_still_work(
    sqlite_url: str,
) -> None:
    writable = Shop(create_db_engine(sqlite_url), hasher=fast_hasher())
    create_bike(writable, None, "RM-0001")
    writable.dispose()
    shop = read_only_shop(sqlite_url)
    try:
        with pytest.raises(ShopUnavailable) as refused:
            create_bike(shop, None, "RM-0002")
        assert list_bikes(shop).total_count == 1
    finally:
        shop.dispose()
    assert refused.value.code == "database_read_only"
    assert "read-only" in refused.value.message
    assert "try again" not in refused.value.message


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
