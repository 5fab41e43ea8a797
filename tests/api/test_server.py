"""``shopfloor serve --workers 2``: gunicorn with uvicorn workers serves the same API.

Functional only (no timings here; bench/api_workers.py measures latency).
"""

from __future__ import annotations

from pathlib import Path

import httpx

from shopfloor.domain import create_user
from shopfloor.domain.database import create_db_engine
from shopfloor.domain.shop import Shop

from ..conftest import fast_hasher
from ..databases import SqliteTemplate
from .conftest import start_server, stop_server


def test_two_workers_share_the_signing_key_and_the_database(
    sqlite_template: SqliteTemplate, tmp_path: Path
) -> None:
    with sqlite_template.database(tmp_path) as url:
        shop = Shop(create_db_engine(url), hasher=fast_hasher())
        create_user(shop, None, "boss", "secret-pw", roles=["super_admin"])
        shop.dispose()
        proc, base = start_server(url, tmp_path, workers=2)
        try:
            login = httpx.post(
                f"{base}/api/v1/auth/login/", json={"username": "boss", "password": "secret-pw"}
            )
            assert login.status_code == 200
            token = login.json()["data"]["access"]
            # Fresh connections are spread over the workers; each must accept the token.
            for n in range(12):
                created = httpx.post(
                    f"{base}/api/v1/bikes/create/",
                    json={"bike_code": f"RM-W{n:04d}"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert created.status_code == 201, created.text
            listed = httpx.get(
                f"{base}/api/v1/bikes/", headers={"Authorization": f"Bearer {token}"}
            )
            assert listed.json()["total_count"] == 12
        finally:
            stop_server(proc)
        assert proc.returncode == 0
        assert "Traceback" not in (tmp_path / "server.log").read_text()
