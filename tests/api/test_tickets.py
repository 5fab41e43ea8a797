"""Tickets over HTTP: intake and each of its failure modes, reading, listing and filters."""

from __future__ import annotations

from typing import Any

import pytest

from shopfloor.domain import set_active

from ..domain.test_hostile_input import legacy_checklist, store_checklist_behind_the_domain
from ..factories import CHECKLIST, intake
from .conftest import Api, Crew, intake_body, refused

TICKET_FIELDS = {
    "id", "bike", "master", "technician", "title", "checklist_snapshot", "srt_total_minutes",
    "srt_approved_by", "srt_approved_at", "flag_minutes", "status", "assigned_at", "started_at",
    "done_at", "created_at", "updated_at",
}  # fmt: skip


def test_intake_creates_a_new_ticket_approved_by_the_caller(api: Api, crew: Crew) -> None:
    bike = api.add_bike(crew.master)
    ticket = api.ok(
        api.post("tickets/create/", crew.master, intake_body(bike["bike_code"].lower())), 201
    )
    assert set(ticket) >= TICKET_FIELDS
    assert ticket["status"] == "new"
    assert ticket["bike"] == bike["id"]
    assert ticket["bike_code"] == bike["bike_code"]
    assert ticket["master"] == crew.master.id
    assert ticket["srt_approved_by"] == crew.master.id
    assert ticket["technician"] is None
    assert ticket["checklist_snapshot"] == CHECKLIST
    assert ticket["created_at"].endswith("+00:00")
    assert ticket["assigned_at"] is None

    (created,) = api.ok(api.get(f"tickets/{ticket['id']}/transitions/", crew.nobody))
    assert created["action"] == "created"
    assert (created["from_status"], created["to_status"]) == (None, "new")
    assert created["actor"] == crew.master.id
    assert created["metadata"] == {
        "bike_code": bike["bike_code"],
        "bike_created_during_intake": False,
        "bike_creation_reason": None,
        "checklist_items_count": 10,
        "srt_total_minutes": 45,
        "srt_approved": True,
    }


def test_checklist_items_may_be_objects_with_a_task(api: Api, crew: Crew) -> None:
    items = [{"task": f"Task {i}", "critical": i == 0} for i in range(10)]
    ticket = api.intake(crew.admin, checklist_snapshot=items)
    assert ticket["checklist_snapshot"][0] == {"task": "Task 0", "critical": True}


def test_get_ticket_and_unknown_ticket(api: Api, crew: Crew) -> None:
    ticket = api.intake(crew.master)
    assert api.ok(api.get(f"tickets/{ticket['id']}/", crew.tech2)) == ticket
    body = refused(api.get("tickets/2000000000/", crew.tech2), 404)
    assert body["error"] == "not_found"
    refused(api.get("tickets/2000000000/transitions/", crew.tech2), 404)
    refused(api.get("tickets/2000000000/work-session/history/", crew.tech2), 404)


# --- intake failures ----------------------------------------------------------------------


def test_one_active_ticket_per_bike(api: Api, crew: Crew) -> None:
    first = api.intake(crew.master)
    body = refused(
        api.post("tickets/create/", crew.master, intake_body(first["bike_code"])), 400, "bike_code"
    )
    assert body["error"] == "active_ticket_exists"
    assert f"#{first['id']}" in body["message"]


def test_a_bike_can_be_taken_in_again_once_its_ticket_is_done(api: Api, crew: Crew) -> None:
    done = api.ticket_in(crew, "done")
    again = api.ok(api.post("tickets/create/", crew.master, intake_body(done["bike_code"])), 201)
    assert again["bike"] == done["bike"]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"checklist_snapshot": CHECKLIST[:9]}, "checklist_snapshot", "at least 10"),
        ({"checklist_snapshot": [*CHECKLIST[:9], "  "]}, "checklist_snapshot", "blank"),
        ({"checklist_snapshot": [*CHECKLIST[:9], {"task": ""}]}, "checklist_snapshot", "no task"),
        ({"srt_total_minutes": 0}, "srt_total_minutes", "more than 0"),
        ({"srt_total_minutes": -5}, "srt_total_minutes", "more than 0"),
        ({"approve_srt": False}, "approve_srt", "approved"),
        ({"title": "   "}, "title", "title"),
    ],
)
def test_intake_refuses_bad_input_naming_the_field(
    api: Api, crew: Crew, overrides: dict[str, Any], field: str, words: str
) -> None:
    code = api.add_bike(crew.master)["bike_code"]
    body = refused(
        api.post("tickets/create/", crew.master, intake_body(code, **overrides)), 400, field
    )
    assert words in body["message"]


def test_intake_without_approve_srt_is_refused(api: Api, crew: Crew) -> None:
    code = api.add_bike(crew.master)["bike_code"]
    body = intake_body(code)
    del body["approve_srt"]
    refused(api.post("tickets/create/", crew.master, body), 400, "approve_srt")


def test_unknown_bike_needs_confirmation_and_lists_close_codes(api: Api, crew: Crew) -> None:
    known = api.add_bike(crew.master)["bike_code"]
    unknown = known[:-1] + ("X" if known[-1] != "X" else "Y")
    body = refused(api.post("tickets/create/", crew.master, intake_body(unknown)), 400, "bike_code")
    assert body["error"] == "unknown_bike"
    assert known in body["message"]
    assert "confirm_create_bike" in body["message"]


def test_unknown_bike_confirmed_without_reason_is_refused(api: Api, crew: Crew) -> None:
    body = intake_body(api.bike_code(), confirm_create_bike=True)
    refused(api.post("tickets/create/", crew.master, body), 400, "bike_creation_reason")
    body["bike_creation_reason"] = "   "
    refused(api.post("tickets/create/", crew.master, body), 400, "bike_creation_reason")


def test_unknown_bike_confirmed_with_reason_is_created_with_the_ticket(
    api: Api, crew: Crew
) -> None:
    code = api.bike_code()
    body = intake_body(code, confirm_create_bike=True, bike_creation_reason="New delivery")
    ticket = api.ok(api.post("tickets/create/", crew.master, body), 201)
    (created,) = api.ok(api.get(f"tickets/{ticket['id']}/transitions/", crew.master))
    assert created["metadata"]["bike_created_during_intake"] is True
    assert created["metadata"]["bike_creation_reason"] == "New delivery"
    bikes = api.ok_page(api.get("bikes/", crew.master, q=code))
    assert [b["bike_code"] for b in bikes["results"]] == [code]


def test_archived_bike_must_be_restored_before_intake(api: Api, crew: Crew) -> None:
    bike = api.add_bike(crew.master)
    api.ok(api.post(f"bikes/{bike['id']}/archive/", crew.master))
    body = intake_body(bike["bike_code"], confirm_create_bike=True, bike_creation_reason="again")
    refused_body = refused(api.post("tickets/create/", crew.master, body), 400, "bike_code")
    assert refused_body["error"] == "bike_archived"
    assert "restore" in refused_body["message"]
    restored = api.ok(api.post(f"bikes/{bike['id']}/restore/", crew.master))
    assert restored["is_active"] is True
    ticket = api.ok(api.post("tickets/create/", crew.master, intake_body(bike["bike_code"])), 201)
    assert ticket["bike"] == bike["id"]


def test_invalid_bike_code_is_refused(api: Api, crew: Crew) -> None:
    body = refused(api.post("tickets/create/", crew.master, intake_body("XX-1")), 400, "bike_code")
    assert "RM-" in body["message"]


# --- assignment -----------------------------------------------------------------------------


def test_assign_needs_an_active_technician(api: Api, crew: Crew) -> None:
    tid = api.intake(crew.master)["id"]
    for technician_id in (crew.qc.id, 2_000_000_000):
        refused(
            api.post(f"tickets/{tid}/assign/", crew.master, {"technician_id": technician_id}),
            400,
            "technician_id",
        )
    set_active(api.shop, None, crew.tech2.id, False)
    body = refused(
        api.post(f"tickets/{tid}/assign/", crew.master, {"technician_id": crew.tech2.id}),
        400,
        "technician_id",
    )
    assert "deactivated" in body["message"]
    ticket = api.ok(
        api.post(f"tickets/{tid}/assign/", crew.manager, {"technician_id": crew.tech1.id})
    )
    assert (ticket["status"], ticket["technician"]) == ("assigned", crew.tech1.id)
    assert ticket["assigned_at"] is not None


# --- listing --------------------------------------------------------------------------------


def test_list_is_paginated_newest_first_with_filters(api: Api, crew: Crew) -> None:
    mine = api.member("technician")
    tickets = [api.intake(crew.master) for _ in range(3)]
    api.ok(api.post(f"tickets/{tickets[0]['id']}/assign/", crew.master, {"technician_id": mine.id}))
    api.ok(api.post(f"tickets/{tickets[2]['id']}/assign/", crew.master, {"technician_id": mine.id}))

    page = api.ok_page(api.get("tickets/", crew.nobody, technician=mine.id, per_page=1))
    assert page["total_count"] == 2
    assert (page["page"], page["page_count"], page["per_page"]) == (1, 2, 1)
    assert [t["id"] for t in page["results"]] == [tickets[2]["id"]]
    page2 = api.ok_page(api.get("tickets/", crew.nobody, technician=mine.id, per_page=1, page=2))
    assert [t["id"] for t in page2["results"]] == [tickets[0]["id"]]
    past = refused(api.get("tickets/", crew.nobody, technician=mine.id, per_page=1, page=3), 404)
    assert "page" in past["message"].lower()

    by_bike = api.ok_page(api.get("tickets/", crew.nobody, bike_code=tickets[1]["bike_code"]))
    assert [t["id"] for t in by_bike["results"]] == [tickets[1]["id"]]
    by_status = api.ok_page(
        api.get("tickets/", crew.nobody, technician=mine.id, status="new,assigned")
    )
    assert by_status["total_count"] == 2
    none_new = api.ok_page(api.get("tickets/", crew.nobody, technician=mine.id, status="new"))
    assert none_new["results"] == []
    assert none_new["total_count"] == 0
    assert none_new["page_count"] == 1


def test_list_defaults_and_caps_per_page_at_500(api: Api, crew: Crew) -> None:
    api.intake(crew.master)
    assert api.ok_page(api.get("tickets/", crew.qc))["per_page"] == 10
    assert api.ok_page(api.get("tickets/", crew.qc, per_page=1000))["per_page"] == 500


def test_a_page_of_400_tickets_holds_400(api: Api, crew: Crew) -> None:
    # The original web admin asks for 200-400 per page and reads only page 1.
    for _ in range(101):
        intake(api.shop, crew.master.id, api.bike_code())
    total = api.ok_page(api.get("tickets/", crew.qc))["total_count"]
    page = api.ok_page(api.get("tickets/", crew.qc, per_page=400))
    assert page["per_page"] == 400
    assert len(page["results"]) == min(total, 400) > 100


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "finished"}, "status"),
        ({"page": 0}, "page"),
        ({"per_page": 0}, "per_page"),
        ({"page": "two"}, "page"),
        ({"technician": "x"}, "technician"),
        ({"bike_code": "nope"}, "bike_code"),
    ],
)
def test_list_refuses_bad_query_parameters(
    api: Api, crew: Crew, params: dict[str, Any], field: str
) -> None:
    refused(api.get("tickets/", crew.qc, **params), 400, field)


def _nested(depth: int) -> dict[str, Any]:
    item: dict[str, Any] = {"task": "deep"}
    for _ in range(depth):
        item = {"task": "deep", "note": item}
    return item


@pytest.mark.parametrize(
    "item",
    [_nested(300), {"task": "x", "sub": {"a": 1}}, {"task": "x", "done": "yes"}, [["x"]]],
)
def test_checklist_items_beyond_a_task_and_flat_known_fields_are_400_naming_the_item(
    api: Api, crew: Crew, item: Any
) -> None:
    code = api.add_bike(crew.master)["bike_code"]
    body = intake_body(code, checklist_snapshot=[*CHECKLIST[:9], item])
    response = api.post("tickets/create/", crew.master, body)
    assert refused(response, 400, "checklist_snapshot")["message"].startswith("Checklist item 10 ")
    assert api.ok_page(api.get("tickets/", crew.master, bike_code=code))["total_count"] == 0


@pytest.mark.parametrize("depth", [900, 5000])
def test_a_checklist_item_nested_as_deep_as_json_allows_is_400_not_500(
    api: Api, crew: Crew, depth: int
) -> None:
    code = api.add_bike(crew.master)["bike_code"]
    tasks = b", ".join(b'"%s"' % t.encode() for t in CHECKLIST[:9])
    deep = b'{"task": "x", "note": ' * depth + b'"x"' + b"}" * depth
    content = (
        b'{"bike_code": "%s", "title": "t", "srt_total_minutes": 45, "approve_srt": true, '
        b'"checklist_snapshot": [%s, %s]}' % (code.encode(), tasks, deep)
    )
    response = api.request(
        "POST",
        "tickets/create/",
        crew.master,
        content=content,
        headers={"Content-Type": "application/json"},
    )
    refused(response, 400)


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_in_a_checklist_are_400_on_both_databases(
    api: Api, crew: Crew, number: bytes
) -> None:
    code = api.add_bike(crew.master)["bike_code"]
    tasks = b", ".join(b'"%s"' % t.encode() for t in CHECKLIST[:9])
    content = (
        b'{"bike_code": "%s", "title": "t", "srt_total_minutes": 45, "approve_srt": true, '
        b'"checklist_snapshot": [%s, {"task": "x", "ref": %s}]}' % (code.encode(), tasks, number)
    )
    response = api.request(
        "POST",
        "tickets/create/",
        crew.master,
        content=content,
        headers={"Content-Type": "application/json"},
    )
    refused(response, 400, "checklist_snapshot")


def test_odd_stored_checklists_do_not_break_the_detail_or_the_list(api: Api, crew: Crew) -> None:
    ticket = api.intake(crew.master)
    store_checklist_behind_the_domain(api.shop, ticket["id"], legacy_checklist(api.shop.dialect))
    detail = api.ok(api.get(f"tickets/{ticket['id']}/", crew.qc))
    assert detail["checklist_snapshot"][-1] == "Plain task"
    listed = api.ok_page(api.get("tickets/", crew.qc, per_page=100))
    assert ticket["id"] in [t["id"] for t in listed["results"]]
