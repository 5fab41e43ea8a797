"""When the database cannot be reached the server says so (503), without a trace."""

from __future__ import annotations

from pathlib import Path

import httpx

from shopfloor.api import create_app
from shopfloor.api.tokens import TokenService, TokenType
from shopfloor.config import Settings
from shopfloor.domain import Shop
from shopfloor.domain.database import create_db_engine

from .conftest import SECRET, serve_in_thread


def test_unreachable_database_is_503_with_retry_after(tmp_path: Path) -> None:
    # Nothing listens on port 1: every connection attempt fails at once.
    engine = create_db_engine(
        "postgresql://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    shop = Shop(engine)
    settings = Settings(data_dir=tmp_path, database_url="unused", secret_key_value=SECRET)
    token = TokenService(SECRET).issue(1, TokenType.ACCESS)
    try:
        with serve_in_thread(create_app(shop, settings)) as base:
            response = httpx.get(f"{base}/tickets/", headers={"Authorization": f"Bearer {token}"})
            login = httpx.post(f"{base}/auth/login/", json={"username": "a", "password": "b"})
    finally:
        shop.dispose()
    for answer in (response, login):
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "1"
        body = answer.json()
        assert body["error"] == "database_unavailable"
        assert "Traceback" not in answer.text
