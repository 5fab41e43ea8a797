"""Authentication: login, refresh, verify, users/me, and every way a token is refused."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from shopfloor.api.tokens import TokenType
from shopfloor.domain import set_active
from shopfloor.domain.users import change_password

from .conftest import SECRET, Api, Crew


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


def test_refresh_gives_a_new_access_token_and_rotates_refresh(api: Api, crew: Crew) -> None:
    _, body = login(api, crew.master.username)
    data = api.ok(api.post("auth/refresh/", body={"refresh": body["data"]["refresh"]}))
    assert set(data) == {"access", "refresh"}
    me = api.request("GET", "users/me/", headers={"Authorization": f"Bearer {data['access']}"})
    assert api.ok(me)["id"] == crew.master.id


def test_refresh_refuses_an_access_token(api: Api, crew: Crew) -> None:
    response = api.post("auth/refresh/", body={"refresh": crew.master.token})
    assert response.status_code == 401
    assert response.json()["error"] == "token_wrong_type"


def test_refresh_for_a_deactivated_user_is_401(api: Api, crew: Crew) -> None:
    refresh = api.tokens.issue(crew.tech2.id, TokenType.REFRESH)
    set_active(api.shop, None, crew.tech2.id, False)
    response = api.post("auth/refresh/", body={"refresh": refresh})
    assert response.status_code == 401


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
    return {"sub": str(user_id), "type": "access", "iat": now, "exp": now + 600, **extra}


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


def test_changing_the_password_ends_sessions_that_began_before(api: Api, crew: Crew) -> None:
    """A leaked token stops working once its owner changes the password."""
    earlier = int(time.time()) - 60
    access = _forge(_claims(crew.tech2.id, iat=earlier))
    refresh = _forge(_claims(crew.tech2.id, iat=earlier, type="refresh"))

    def me(token: str) -> int:
        return api.http.get("users/me/", headers={"Authorization": f"Bearer {token}"}).status_code

    assert me(access) == 200

    change_password(api.shop, None, crew.tech2.id, "a-new-password")

    for response in (
        api.http.get("users/me/", headers={"Authorization": f"Bearer {access}"}),
        api.post("auth/refresh/", body={"refresh": refresh}),
        api.post("auth/verify/", body={"token": access}),
    ):
        assert response.status_code == 401
        assert response.json()["error"] == "credentials_changed"
        assert "log in again" in response.json()["message"]
    fresh = api.ok(
        api.post(
            "auth/login/", body={"username": crew.tech2.username, "password": "a-new-password"}
        )
    )
    assert me(fresh["access"]) == 200


def test_a_token_without_issue_time_is_refused(api: Api, crew: Crew) -> None:
    claims = _claims(crew.tech1.id)
    del claims["iat"]
    assert_401(api, {"Authorization": f"Bearer {_forge(claims)}"})
