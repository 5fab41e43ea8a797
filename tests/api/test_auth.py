"""Authentication: login, refresh, verify, users/me, and every way a token is refused."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import httpx
import jwt
import pytest

from shopfloor.api import create_app
from shopfloor.cli import main as cli_main
from shopfloor.config import SettingsError, load_settings
from shopfloor.domain import Shop, set_active
from shopfloor.domain.users import change_password

from ..conftest import People
from .conftest import SECRET, Api, Crew, refused, serve_in_thread


def login(api: Api, username: str, password: str = "secret-pw") -> tuple[int, dict]:
    response = api.post("auth/login/", body={"username": username, "password": password})
    return response.status_code, response.json()


def assert_401(api: Api, response_headers: dict[str, str] | None = None, **kwargs: object) -> dict:
    response = api.request("GET", "users/me/", headers=response_headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["success"] is False
    assert body["message"]
    assert body["message"] != "NOT OK"
    return body


def test_login_returns_tokens_that_open_users_me(api: Api, crew: Crew) -> None:
    status, body = login(api, crew.master.username)
    assert status == 200
    tokens = body["data"]
    me = api.ok(
        api.request("GET", "users/me/", headers={"Authorization": f"Bearer {tokens['access']}"})
    )
    assert me["id"] == crew.master.id
    assert me["username"] == crew.master.username
    assert me["first_name"] == "master"
    assert me["last_name"] == ""
    assert me["roles"] == [{"slug": "master", "name": "Master"}]


def test_login_ignores_username_case(api: Api, crew: Crew) -> None:
    status, _ = login(api, crew.qc.username.upper())
    assert status == 200


@pytest.mark.parametrize(
    ("username", "password"), [("nobody-such", "secret-pw"), (None, "wrong-password")]
)
def test_login_with_bad_credentials_is_401(
    api: Api, crew: Crew, username: str | None, password: str
) -> None:
    status, body = login(api, username or crew.tech1.username, password)
    assert status == 401
    assert body == {
        "success": False,
        "message": "Wrong username or password.",
        "error": "authentication_failed",
        "fields": {"password": ["Wrong username or password."]},
    }


def test_login_of_a_deactivated_user_is_401(api: Api, crew: Crew) -> None:
    set_active(api.shop, None, crew.tech2.id, False)
    status, _ = login(api, crew.tech2.username)
    assert status == 401


def test_login_without_password_names_the_field(api: Api) -> None:
    response = api.post("auth/login/", body={"username": "x"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "validation_error"
    assert "password" in body["message"]
    assert list(body["fields"]) == ["password"]


def test_repeated_failed_logins_are_throttled_with_429(api: Api, crew: Crew) -> None:
    statuses = [login(api, crew.manager.username, "wrong")[0] for _ in range(5)]
    assert statuses == [401] * 5
    response = api.post(
        "auth/login/", body={"username": crew.manager.username, "password": "secret-pw"}
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["error"] == "too_many_attempts"
    # Another user from the same address is not locked out by someone else's failures.
    assert login(api, crew.admin.username)[0] == 200


def _refresh(api: Api, token: str) -> httpx.Response:
    return api.post("auth/refresh/", body={"refresh": token})


def _me(api: Api, access: str) -> int:
    return api.http.get("users/me/", headers={"Authorization": f"Bearer {access}"}).status_code


def test_refresh_gives_a_new_access_token_and_rotates_refresh(api: Api, crew: Crew) -> None:
    _, body = login(api, crew.master.username)
    first = body["data"]
    second = api.ok(_refresh(api, first["refresh"]))
    assert set(second) == {"access", "refresh"}
    assert second["refresh"] != first["refresh"]
    assert _me(api, second["access"]) == 200
    # The new refresh token works once more; the retired one never again.
    third = api.ok(_refresh(api, second["refresh"]))
    assert third["refresh"] not in (first["refresh"], second["refresh"])
    retired = refused(api.post("auth/verify/", body={"token": second["refresh"]}), 401)
    assert retired["error"] == "refresh_token_retired"


def test_a_reused_refresh_token_ends_its_whole_session(api: Api, crew: Crew) -> None:
    """RFC 6819 5.2.2.3: a retired refresh token coming back means it was copied."""
    _, body = login(api, crew.qc.username)
    stolen = body["data"]["refresh"]
    owner = api.ok(_refresh(api, stolen))  # the owner refreshes; the thief kept a copy
    _, other_login = login(api, crew.qc.username)  # the same user on another device

    reused = refused(_refresh(api, stolen), 401)
    assert reused["error"] == "refresh_token_reused"
    assert "log in again" in reused["message"]
    # Everything the family issued is over: its newest refresh and its access tokens.
    assert refused(_refresh(api, owner["refresh"]), 401)["error"] == "session_revoked"
    assert _me(api, owner["access"]) == 401
    assert _me(api, body["data"]["access"]) == 401
    # The other login is another family and goes on.
    assert _me(api, other_login["data"]["access"]) == 200
    assert api.ok(_refresh(api, other_login["data"]["refresh"]))


def test_refresh_refuses_an_access_token(api: Api, crew: Crew) -> None:
    response = api.post("auth/refresh/", body={"refresh": crew.master.token})
    assert response.status_code == 401
    assert response.json()["error"] == "token_wrong_type"


def test_refresh_for_a_deactivated_user_is_401(api: Api, crew: Crew) -> None:
    _, body = login(api, crew.tech2.username)
    set_active(api.shop, None, crew.tech2.id, False)
    assert _refresh(api, body["data"]["refresh"]).status_code == 401


def test_reactivating_a_user_does_not_revive_their_old_tokens(api: Api, crew: Crew) -> None:
    _, body = login(api, crew.tech2.username)
    old = body["data"]
    set_active(api.shop, None, crew.tech2.id, False)
    set_active(api.shop, None, crew.tech2.id, True)
    assert _me(api, old["access"]) == 401
    for response in (
        _refresh(api, old["refresh"]),
        api.post("auth/verify/", body={"token": old["access"]}),
    ):
        assert refused(response, 401)["error"] == "credentials_changed"
    _, fresh = login(api, crew.tech2.username)
    assert _me(api, fresh["data"]["access"]) == 200


def test_an_ended_session_is_told_to_log_in_again_even_when_its_input_is_invalid(
    api: Api, crew: Crew
) -> None:
    """401 comes before 400: a client whose session ended must log in again, whatever
    else is wrong with the request; a route that needs no session still answers 400."""
    _, body = login(api, crew.master.username)
    stale = {"Authorization": f"Bearer {body['data']['access']}"}
    assert api.request("POST", "bikes/create/", json={}, headers=stale).status_code == 400
    set_active(api.shop, None, crew.master.id, False)
    for response in (
        api.request("POST", "bikes/create/", json={}, headers=stale),
        api.request("POST", "tickets/create/", json={"bike_code": 7}, headers=stale),
        api.request("GET", "tickets/?per_page=0", headers=stale),
    ):
        assert refused(response, 401)["error"] == "user_inactive"
        assert response.headers["www-authenticate"] == "Bearer"
    login_body = api.request("POST", "auth/login/", json={"username": 1}, headers=stale)
    assert refused(login_body, 400)["error"] == "validation_error"


def test_verify_accepts_a_valid_token_and_refuses_garbage(api: Api, crew: Crew) -> None:
    data = api.ok(api.post("auth/verify/", body={"token": crew.qc.token}))
    assert data == {"detail": "Token is valid"}
    response = api.post("auth/verify/", body={"token": "not-a-token"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


# --- refused tokens ------------------------------------------------------------------------


def _forge(claims: dict[str, object], key: str = SECRET, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def _claims(user_id: int, **extra: object) -> dict[str, object]:
    now = int(time.time())
    claims = {"sub": str(user_id), "type": "access", "ver": 0, "jti": "j", "iat": now}
    return {**claims, "exp": now + 600, **extra}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_missing_token_is_401_with_bearer_challenge(api: Api) -> None:
    body = assert_401(api)
    assert body["error"] == "not_authenticated"


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "Token abc", "bearer"],
)
def test_malformed_authorization_is_401(api: Api, header: str) -> None:
    assert_401(api, {"Authorization": header})


def test_tampered_token_is_401(api: Api, crew: Crew) -> None:
    header, payload, signature = crew.master.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = str(crew.admin.id)
    forged = f"{header}.{_b64(claims)}.{signature}"
    body = assert_401(api, {"Authorization": f"Bearer {forged}"})
    assert body["error"] == "token_not_valid"


def test_token_signed_with_another_key_is_401(api: Api, crew: Crew) -> None:
    token = _forge(_claims(crew.admin.id), key="another-key-another-key-another-key!")
    assert_401(api, {"Authorization": f"Bearer {token}"})


def test_expired_token_is_401(api: Api, crew: Crew) -> None:
    token = _forge(_claims(crew.admin.id, exp=int(time.time()) - 5))
    body = assert_401(api, {"Authorization": f"Bearer {token}"})
    assert body["error"] == "token_expired"


def test_alg_none_token_is_401(api: Api, crew: Crew) -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(crew.admin.id))}."
    assert_401(api, {"Authorization": f"Bearer {token}"})


def test_hs512_token_with_the_right_key_is_401(api: Api, crew: Crew) -> None:
    # The algorithm is pinned: even a correctly keyed token of another algorithm is refused.
    token = _forge(_claims(crew.admin.id), alg="HS512")
    assert_401(api, {"Authorization": f"Bearer {token}"})


def test_refresh_token_is_not_an_access_token(api: Api, crew: Crew) -> None:
    _, body = login(api, crew.master.username)
    response = api.request(
        "GET", "users/me/", headers={"Authorization": f"Bearer {body['data']['refresh']}"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "token_wrong_type"


@pytest.mark.parametrize(
    "claims",
    [
        {"type": "access", "exp": 4102444800},  # no sub
        {"sub": "1", "exp": 4102444800},  # no type
        {"sub": "1", "type": "access"},  # no exp
        {"sub": "abc", "type": "access", "exp": 4102444800},
        {"sub": "1", "type": "weird", "exp": 4102444800},
    ],
)
def test_token_missing_or_bad_claims_is_401(api: Api, claims: dict[str, object]) -> None:
    assert_401(api, {"Authorization": f"Bearer {_forge(claims)}"})


def test_token_of_unknown_user_is_401(api: Api) -> None:
    assert_401(api, {"Authorization": f"Bearer {_forge(_claims(2_000_000_000))}"})


def test_token_of_a_deactivated_user_is_refused(api: Api, crew: Crew) -> None:
    assert api.get("users/me/", crew.tech2).status_code == 200
    set_active(api.shop, None, crew.tech2.id, False)
    response = api.get("users/me/", crew.tech2)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "deactivated" in response.json()["message"]


def test_changing_the_password_ends_sessions_even_within_the_same_second(
    api: Api, crew: Crew
) -> None:
    """A leaked token stops working once its owner changes the password, however soon."""
    _, body = login(api, crew.tech2.username)
    tokens = body["data"]
    assert _me(api, tokens["access"]) == 200

    change_password(api.shop, None, crew.tech2.id, "a-new-password")
    # Stamped in the second of the change (or after): time alone cannot refuse it.
    same_second = _forge(_claims(crew.tech2.id))

    for response in (
        api.http.get("users/me/", headers={"Authorization": f"Bearer {tokens['access']}"}),
        api.http.get("users/me/", headers={"Authorization": f"Bearer {same_second}"}),
        _refresh(api, tokens["refresh"]),
        api.post("auth/verify/", body={"token": tokens["access"]}),
    ):
        assert response.status_code == 401
        assert response.json()["error"] == "credentials_changed"
        assert "log in again" in response.json()["message"]
    fresh = api.ok(
        api.post(
            "auth/login/", body={"username": crew.tech2.username, "password": "a-new-password"}
        )
    )
    assert _me(api, fresh["access"]) == 200


def test_access_tokens_last_a_shift_and_refresh_tokens_a_week(api: Api, crew: Crew) -> None:
    _, body = login(api, crew.nobody.username)
    for kind, lifetime in (("access", 8 * 3600), ("refresh", 7 * 24 * 3600)):
        claims = jwt.decode(body["data"][kind], SECRET, algorithms=["HS256"])
        assert claims["exp"] - claims["iat"] == lifetime


def test_a_token_without_issue_time_is_refused(api: Api, crew: Crew) -> None:
    claims = _claims(crew.tech1.id)
    del claims["iat"]
    assert_401(api, {"Authorization": f"Bearer {_forge(claims)}"})


def test_token_lifetimes_come_from_the_settings(shop: Shop, people: People, tmp_path: Path) -> None:
    settings = load_settings(
        {
            "SHOPFLOOR_DATA_DIR": str(tmp_path),
            "SHOPFLOOR_SECRET_KEY": SECRET,
            "SHOPFLOOR_ACCESS_TOKEN_SECONDS": "60",
            "SHOPFLOOR_REFRESH_TOKEN_SECONDS": "3600",
        }
    )
    with serve_in_thread(create_app(shop, settings)) as base:
        login = httpx.post(f"{base}/auth/login/", json={"username": "qc", "password": "secret-pw"})
        pair = login.json()["data"]
        refreshed = httpx.post(f"{base}/auth/refresh/", json={"refresh": pair["refresh"]})
    for tokens in (pair, refreshed.json()["data"]):
        for kind, lifetime in (("access", 60), ("refresh", 3600)):
            claims = jwt.decode(tokens[kind], SECRET, algorithms=["HS256"])
            assert claims["exp"] - claims["iat"] == lifetime


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SHOPFLOOR_ACCESS_TOKEN_SECONDS", "8h"),
        ("SHOPFLOOR_ACCESS_TOKEN_SECONDS", "0"),
        ("SHOPFLOOR_REFRESH_TOKEN_SECONDS", "-5"),
        ("SHOPFLOOR_REFRESH_TOKEN_SECONDS", "99999999999"),
        ("SHOPFLOOR_TRUSTED_PROXIES", "127.0.0.1, proxy.local"),
    ],
)
def test_a_bad_auth_setting_is_one_line_naming_the_variable(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings({variable: value})
    monkeypatch.setenv(variable, value)
    assert cli_main(["db", "current"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"shopfloor: {variable}")
    assert len(err.splitlines()) == 1
