"""The OpenAPI document tells the truth about paths, envelopes and status codes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import Api, intake_body, refused

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
            if status.startswith(("4", "5")):
                ref = response["content"]["application/json"]["schema"].get("$ref", "")
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


# The v1 contract's objects, field by field (the wire models take theirs from the domain's
# views, so a field dropped there must not silently leave the document or the wire).
CONTRACT_OBJECTS = {
    "TicketOut": "id bike master technician title checklist_snapshot srt_total_minutes "
    "srt_approved_by srt_approved_at flag_minutes status assigned_at started_at done_at "
    "created_at updated_at",
    "TransitionOut": "id ticket from_status to_status action actor note metadata created_at",
    "WorkSessionOut": "id ticket technician status started_at last_started_at ended_at "
    "active_seconds created_at updated_at",
    "WorkSessionEventOut": "id work_session ticket from_status to_status action actor event_at "
    "metadata created_at",
    "BikeOut": "id bike_code status is_active created_at updated_at",
    "XpEntryOut": "id user amount entry_type reference description payload created_at",
    "UserOut": "id username first_name last_name patronymic email phone level roles telegram "
    "created_at updated_at",
    "TeamMemberOut": "user_id name username level tickets_done tickets_first_pass "
    "first_pass_rate_percent raw_xp in_progress_now",
}


def test_every_contract_object_field_is_documented_as_always_sent(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    for name, fields in CONTRACT_OBJECTS.items():
        assert set(components[name]["required"]) >= set(fields.split()), name
    timestamp = components["TicketOut"]["properties"]["srt_approved_at"]
    assert (timestamp["type"], timestamp["format"]) == ("string", "date-time")
    assert components["TicketOut"]["properties"]["checklist_snapshot"]["type"] == "array"


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


def _param(schema: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    for parameter in schema["paths"][f"/api/v1/{path}"]["get"]["parameters"]:
        if parameter["name"] == name:
            return parameter["schema"]  # type: ignore[no-any-return]
    raise AssertionError(name)


def test_the_document_states_what_the_server_enforces(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    intake = components["TicketCreateIn"]
    assert set(intake["required"]) >= {
        "bike_code", "title", "checklist_snapshot", "srt_total_minutes", "approve_srt"
    }  # fmt: skip
    fields = intake["properties"]
    assert fields["approve_srt"]["enum"] == [True]
    assert (fields["bike_code"]["minLength"], fields["title"]["minLength"]) == (1, 1)
    assert (fields["srt_total_minutes"]["minimum"], fields["srt_total_minutes"]["maximum"]) == (
        1,
        100_000,
    )
    checklist = fields["checklist_snapshot"]
    assert (checklist["minItems"], checklist["maxItems"]) == (10, 200)
    text_item, object_item = checklist["items"]["anyOf"]
    assert (text_item["minLength"], text_item["maxLength"]) == (1, 500)
    assert object_item["additionalProperties"] is False
    assert set(object_item["properties"]) == {"task", "done", "critical", "note", "ref"}
    assert set(_param(schema, "bikes/", "status")["enum"]) == {
        "ready", "in_service", "rented", "blocked", "write_off"
    }  # fmt: skip
    assert set(_param(schema, "xp/ledger/", "entry_type")["enum"]) == {
        # v1's two, and the inspector's (only with the shop's inspector XP rules set).
        "ticket_base_xp", "ticket_qc_first_pass_bonus", "ticket_qc_inspector"
    }  # fmt: skip
    days = _param(schema, "analytics/team/", "days")
    assert (days["minimum"], days["maximum"]) == (1, 90)
    assert components["TicketOut"]["properties"]["status"]["$ref"].endswith("/TicketStatus")
    # The six of v1, and under_review (only with the shop's review_required rule on).
    assert len(components["TicketStatus"]["enum"]) == 7


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"checklist_snapshot": [f"Task {i}" for i in range(9)]}, "checklist_snapshot"),
        ({"checklist_snapshot": [f"Task {i}" for i in range(201)]}, "checklist_snapshot"),
        ({"checklist_snapshot": [" " * 495 + "x" * 6] * 10}, "checklist_snapshot"),
        ({"checklist_snapshot": [{"task": "x", "other": 1}] * 10}, "checklist_snapshot"),
        ({"srt_total_minutes": 0}, "srt_total_minutes"),
        ({"srt_total_minutes": 100_001}, "srt_total_minutes"),
        ({"approve_srt": False}, "approve_srt"),
        ({"title": ""}, "title"),
        ({"bike_code": ""}, "bike_code"),
    ],
)
def test_each_documented_bound_is_enforced(api: Api, overrides: dict[str, Any], field: str) -> None:
    master = api.member("master")
    code = api.add_bike(master)["bike_code"]
    response = api.post("tickets/create/", master, intake_body(code, **overrides))
    refused(response, 400, field)


def test_the_exports_document_their_files_and_the_new_reads_their_envelopes(
    schema: dict[str, Any],
) -> None:
    ops = _operations(schema)
    files = ops[("get", "exports/{kind}/")]["responses"]["200"]["content"]
    assert set(files) == {
        "text/csv; charset=utf-8",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    parameters = {p["name"]: p for p in ops[("get", "exports/{kind}/")]["parameters"]}
    assert parameters["kind"]["schema"]["enum"] == ["worktime", "xp", "qc", "pauses", "tickets"]
    assert {"from", "to", "format"} <= set(parameters)
    search = {p["name"] for p in ops[("get", "tickets/")]["parameters"]}
    assert {"q", "technician", "date_from", "date_to"} <= search
    for path in ("bikes/{bike_id}/history/", "analytics/downtime/"):
        ok = ops[("get", path)]["responses"]["200"]["content"]["application/json"]
        assert ok["schema"]["$ref"].startswith("#/components/schemas/Envelope"), path
