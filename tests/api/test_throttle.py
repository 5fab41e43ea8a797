"""The throttle over HTTP: one count for every worker and restart, honest client addresses.

The rule itself is the domain's (tests/domain/test_throttle.py); here the server
must pass the right address and answer 429 with ``Retry-After``.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request

from shopfloor.api import create_app
from shopfloor.api.throttle import client_address
from shopfloor.config import Settings
from shopfloor.domain import Shop, create_user
from shopfloor.domain.database import create_db_engine

from ..conftest import People, fast_hasher
from .conftest import SECRET, Api, Crew, refused, serve_in_thread, start_server, stop_server


def _login(base: str, username: str, password: str, **headers: str) -> httpx.Response:
    # A fresh connection each time, so a multi-worker server spreads them over its workers.
    return httpx.post(
        f"{base}/auth/login/",
        json={"username": username, "password": password},
        headers=headers,
        timeout=30,
    )


def test_a_forged_forwarded_for_does_not_escape_the_throttle(api: Api, crew: Crew) -> None:
    """No proxy is trusted by default: X-Forwarded-For from a local process is ignored."""
    base = f"{api.base_url}/api/v1"
    for _ in range(5):
        assert _login(base, crew.manager.username, "wrong").status_code == 401
    for forged in ("10.9.0.1", "10.9.0.2, 127.0.0.1", "garbage"):
        response = _login(base, crew.manager.username, "secret-pw", **{"X-Forwarded-For": forged})
        assert refused(response, 429)["error"] == "too_many_attempts"
        assert 0 < int(response.headers["retry-after"]) <= 300


def test_parallel_wrong_passwords_get_exactly_the_limit(api: Api, crew: Crew) -> None:
    base = f"{api.base_url}/api/v1"
    with ThreadPoolExecutor(16) as pool:
        statuses = Counter(
            pool.map(lambda _: _login(base, crew.qc.username, "wrong").status_code, range(16))
        )
    assert statuses == {401: 5, 429: 11}


def test_the_limit_holds_across_workers_and_restarts(db_url: str, tmp_path: Path) -> None:
    shop = Shop(create_db_engine(db_url), hasher=fast_hasher())
    create_user(shop, None, "boss", "secret-pw", roles=["super_admin"])
    shop.dispose()
    proc, base = start_server(db_url, tmp_path, workers=2)
    try:
        for _ in range(5):
            assert _login(f"{base}/api/v1", "boss", "wrong").status_code == 401
        # Whichever worker answers, the sixth attempt and every one after is refused.
        for _ in range(6):
            assert _login(f"{base}/api/v1", "boss", "secret-pw").status_code == 429
    finally:
        stop_server(proc)
    proc, base = start_server(db_url, tmp_path, workers=1)
    try:
        assert _login(f"{base}/api/v1", "boss", "secret-pw").status_code == 429
    finally:
        stop_server(proc)


def _settings(tmp_path: Path, proxies: str = "") -> Settings:
    trusted = tuple(ipaddress.ip_network(p) for p in proxies.split(",") if p)
    return Settings(
        data_dir=tmp_path, database_url="unused", secret_key_value=SECRET, trusted_proxies=trusted
    )


def test_a_trusted_proxy_names_the_client(shop: Shop, people: People, tmp_path: Path) -> None:
    with serve_in_thread(create_app(shop, _settings(tmp_path, "127.0.0.1/32"))) as base:
        behind = {"X-Forwarded-For": "203.0.113.7"}
        for _ in range(5):
            assert _login(base, "tech1", "wrong", **behind).status_code == 401
        assert _login(base, "tech1", "secret-pw", **behind).status_code == 429
        # Another client behind the same proxy is counted apart.
        other = {"X-Forwarded-For": "203.0.113.8"}
        assert _login(base, "tech1", "secret-pw", **other).status_code == 200


def test_refresh_and_verify_are_throttled_per_address(
    shop: Shop, people: People, tmp_path: Path
) -> None:
    with serve_in_thread(create_app(shop, _settings(tmp_path))) as base:
        good = _login(base, "tech1", "secret-pw").json()["data"]
        with httpx.Client(base_url=base) as client:
            for n in range(100):
                path, body = (
                    ("auth/refresh/", {"refresh": f"bad-{n}"})
                    if n % 2
                    else ("auth/verify/", {"token": f"bad-{n}"})
                )
                assert client.post(path, json=body).status_code == 401
            for path, body in (
                ("auth/verify/", {"token": good["access"]}),
                ("auth/refresh/", {"refresh": good["refresh"]}),
            ):
                response = client.post(path, json=body)
                assert refused(response, 429)["error"] == "too_many_attempts"
                assert int(response.headers["retry-after"]) > 0


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return Request({"type": "http", "client": (peer, 5000), "headers": headers})


PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("198.51.100.1", "10.9.0.1", "198.51.100.1"),  # untrusted peer: header ignored
        ("10.0.0.2", None, "10.0.0.2"),  # a proxy's own request
        ("10.0.0.2", "203.0.113.5", "203.0.113.5"),
        ("::1", "203.0.113.5", "203.0.113.5"),
        ("10.0.0.2", "1.2.3.4, 203.0.113.5, 10.0.0.3", "203.0.113.5"),  # chain of proxies
        ("10.0.0.2", "not-an-address, 10.0.0.3", "10.0.0.3"),  # forged junk: last proxy
    ],
)
def test_forwarded_for_is_believed_only_through_trusted_proxies(
    peer: str, forwarded: str | None, client: str
) -> None:
    assert client_address(_request(peer, forwarded), PROXIES) == client
    assert client_address(_request(peer, forwarded), ()) == peer
