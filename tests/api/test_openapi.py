"""The OpenAPI document tells the truth about paths, envelopes and status codes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import Api

CONTRACT_PATHS = {
    ("post", "auth/login/"), ("post", "auth/refresh/"), ("post", "auth/verify/"),
    ("get", "users/me/"), ("get", "tickets/"), ("post", "tickets/create/"),
    ("get", "tickets/{ticket_id}/"), ("post", "tickets/{ticket_id}/assign/"),
    ("post", "tickets/{ticket_id}/start/"), ("post", "tickets/{ticket_id}/to-waiting-qc/"),
    ("post", "tickets/{ticket_id}/qc-pass/"), ("post", "tickets/{ticket_id}/qc-fail/"),
    ("get", "tickets/{ticket_id}/transitions/"),
    ("post", "tickets/{ticket_id}/work-session/start/"),
    ("post", "tickets/{ticket_id}/work-session/pause/"),
    ("post", "tickets/{ticket_id}/work-session/resume/"),
    ("post", "tickets/{ticket_id}/work-session/stop/"),
    ("get", "tickets/{ticket_id}/work-session/history/"),
    ("get", "bikes/"), ("post", "bikes/create/"), ("get", "bikes/suggest/"),
    ("post", "bikes/{bike_id}/archive/"), ("post", "bikes/{bike_id}/restore/"),
    ("get", "xp/ledger/"), ("get", "analytics/fleet/"), ("get", "analytics/team/"),
    ("get", "misc/health/"),
}  # fmt: skip
PUBLIC = {"auth/login/", "auth/refresh/", "auth/verify/", "misc/health/"}


@pytest.fixture
def schema(api: Api) -> dict[str, Any]:
    response = api.http.get(f"{api.base_url}/api/schema/")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _operations(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path.removeprefix("/api/v1/")): op
        for path, item in schema["paths"].items()
        for method, op in item.items()
    }


def test_every_contract_endpoint_is_documented(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    assert set(_operations(schema)) >= CONTRACT_PATHS


def test_no_operation_documents_422_and_failures_use_the_envelope(schema: dict[str, Any]) -> None:
    for (method, path), op in _operations(schema).items():
        responses = op["responses"]
        assert "422" not in responses, (method, path)
        for status, response in responses.items():
            ref = response["content"]["application/json"]["schema"].get("$ref", "")
            if status.startswith(("4", "5")):
                assert ref.endswith("/ErrorEnvelope"), (method, path, status)
        if path not in PUBLIC:
            assert "401" in responses, (method, path)
            assert op["security"] == [{"HTTPBearer": []}]
    assert "429" in _operations(schema)[("post", "auth/login/")]["responses"]


def test_success_responses_describe_the_envelopes(schema: dict[str, Any]) -> None:
    ops = _operations(schema)
    components = schema["components"]["schemas"]

    def success(method: str, path: str, status: str = "200") -> dict[str, Any]:
        ref = ops[(method, path)]["responses"][status]["content"]["application/json"]["schema"]
        return components[ref["$ref"].rsplit("/", 1)[-1]]  # type: ignore[no-any-return]

    page = success("get", "tickets/")
    ticket = components["TicketOut"]
    assert "status" in ticket["required"]
    assert set(page["required"]) >= {"results", "total_count", "page", "page_count", "per_page"}
    created = success("post", "tickets/create/", "201")
    assert set(created["properties"]) == {"success", "message", "data"}
    assert set(success("get", "misc/health/")["properties"]) == {"status"}
    error = components["ErrorEnvelope"]
    assert set(error["required"]) == {"success", "message", "error"}


def test_interactive_docs_are_served(api: Api) -> None:
    response = api.http.get(f"{api.base_url}/api/docs/")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
    assert "/api/schema/" in response.text


def test_the_docs_page_loads_nothing_from_the_internet(api: Api) -> None:
    # A workshop server often has no internet: every file the page needs is ours.
    page = api.http.get(f"{api.base_url}/api/docs/").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(assets) >= 3, page
    for url in assets:
        assert url.startswith("/api/docs/assets/"), url
        response = api.http.get(f"{api.base_url}{url}")
        assert response.status_code == 200, url
        assert len(response.content) > 100, url
    assert (
        "SwaggerUIBundle"
        in api.http.get(f"{api.base_url}/api/docs/assets/swagger-ui-bundle.js").text
    )
    assert not re.search(r"https?://", page.split("<script>")[-1]), page
