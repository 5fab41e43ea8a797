"""CORS: browser pages on the configured origins may call the API; no others, none by default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shopfloor.api.app import create_app
from shopfloor.config import SettingsError, load_settings

from .conftest import SECRET, Api, serve_in_thread

ADMIN = "https://admin.workshop.example"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}


@pytest.fixture
def cors_base(api: Api, tmp_path: Path) -> Iterator[str]:
    """The API over real HTTP with ``SHOPFLOOR_CORS_ORIGINS`` naming the web admin's origin."""
    settings = load_settings(
        {
            "SHOPFLOOR_DATA_DIR": str(tmp_path),
            "SHOPFLOOR_DATABASE_URL": api.db_url,
            "SHOPFLOOR_SECRET_KEY": SECRET,
            "SHOPFLOOR_CORS_ORIGINS": f"{ADMIN}/, https://other.example",
        }
    )
    with serve_in_thread(create_app(api.shop, settings)) as base:
        yield base


def test_preflight_for_login_is_answered_for_an_allowed_origin(cors_base: str, api: Api) -> None:
    response = httpx.options(
        f"{cors_base}/auth/login/", headers={"Origin": ADMIN, **PREFLIGHT}, timeout=10
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ADMIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()
    member = api.member("master")
    login = httpx.post(
        f"{cors_base}/auth/login/",
        json={"username": member.username, "password": "secret-pw"},
        headers={"Origin": ADMIN},
        timeout=10,
    )
    assert login.status_code == 200
    assert login.headers["access-control-allow-origin"] == ADMIN


def test_preflight_from_another_origin_is_refused(cors_base: str) -> None:
    response = httpx.options(
        f"{cors_base}/auth/login/",
        headers={"Origin": "https://evil.example", **PREFLIGHT},
        timeout=10,
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_no_origin_is_allowed_by_default(api: Api, tmp_path: Path) -> None:
    response = api.request("OPTIONS", "auth/login/", headers={"Origin": ADMIN, **PREFLIGHT})
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers
    assert load_settings({"SHOPFLOOR_DATA_DIR": str(tmp_path)}).cors_origins == ()


@pytest.mark.parametrize("bad", ["admin.example", "ftp://admin.example", "https://a.example/app"])
def test_a_value_that_is_not_an_origin_stops_the_start(tmp_path: Path, bad: str) -> None:
    with pytest.raises(SettingsError, match=r"SHOPFLOOR_CORS_ORIGINS=.*is not an origin"):
        load_settings({"SHOPFLOOR_DATA_DIR": str(tmp_path), "SHOPFLOOR_CORS_ORIGINS": bad})


@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE"])
def test_preflight_for_the_web_admins_edits_is_answered(cors_base: str, method: str) -> None:
    response = httpx.options(
        f"{cors_base}/inventory/items/1/",
        headers={
            "Origin": ADMIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert method in response.headers["access-control-allow-methods"]
