"""Over real HTTP: part-level work (issue 21) as the original's later web admin drives it:
intake by parts, the review before assignment, start that opens the timer, ticks,
parking for a part, QC that names the failed tasks, and manual metrics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shopfloor.domain import add_bike_model, add_part, set_rule

from .conftest import Api, Crew, refused

PART_FIELDS = {
    "id", "part_id", "part_name", "color", "comment", "minutes", "created_at", "updated_at"
}  # fmt: skip


@pytest.fixture
def later_rules(api: Api) -> Iterator[None]:
    """The two rules the later web admin needs, on for one test only (the server is shared)."""
    set_rule(api.shop, None, "review_required", "on")
    set_rule(api.shop, None, "start_opens_timer", "on")
    try:
        yield
    finally:
        set_rule(api.shop, None, "review_required", "off")
        set_rule(api.shop, None, "start_opens_timer", "off")


def _parts(api: Api) -> tuple[int, int]:
    model = add_bike_model(api.shop, None, f"Model {Api.bike_code()}").id
    return add_part(api.shop, None, model, "Brakes").id, add_part(api.shop, None, model, "Chain").id


@pytest.mark.usefixtures("later_rules")
def test_the_later_web_admins_loop_runs_from_intake_by_parts_to_a_passed_qc(
    api: Api, crew: Crew
) -> None:
    brakes, chain = _parts(api)
    code = api.add_bike(crew.master)["bike_code"]
    body = {
        "serial_number": code,
        "title": "Brakes and chain",
        "part_specs": [
            {"part_id": brakes, "color": "red", "comment": "Pads worn", "minutes": 40},
            {"part_id": chain, "color": "yellow", "comment": "", "minutes": 25},
        ],
    }
    ticket = api.ok(api.post("tickets/create/", crew.master, body), 201)
    tid = ticket["id"]
    assert ticket["status"] == "under_review"
    assert [set(p) for p in ticket["ticket_parts"]] == [PART_FIELDS, PART_FIELDS]
    assert (ticket["total_duration"], ticket["srt_total_minutes"]) == (65, 65)
    assert (ticket["flag_color"], ticket["xp_amount"], ticket["is_manual"]) == ("red", 4, False)
    assert (ticket["approved_by"], ticket["approved_at"], ticket["finished_at"]) == (None,) * 3
    assert ticket["inventory_item"] == ticket["bike"]
    assert len(ticket["checklist_snapshot"]) == len(ticket["checklist_state"]) == 12

    who = {"technician_id": crew.tech1.id}
    body_400 = refused(api.post(f"tickets/{tid}/assign/", crew.manager, who), 400, "status")
    assert "waiting for review" in body_400["message"]
    refused(api.post(f"tickets/{tid}/review-approve/", crew.master), 403)
    approved = api.ok(api.post(f"tickets/{tid}/review-approve/", crew.manager))
    assert (approved["status"], approved["approved_by"]) == ("new", crew.manager.id)
    assert approved["approved_by_name"] == "manager"
    assert approved["approved_at"]
    api.ok(api.post(f"tickets/{tid}/assign/", crew.manager, who))

    started = api.ok(api.post(f"tickets/{tid}/start/", crew.tech1))
    assert started["status"] == "in_progress"
    history = api.ok(api.get(f"tickets/{tid}/work-session/history/", crew.tech1))
    assert [e["action"] for e in history] == ["started"]
    for task in range(12):
        ticked = api.ok(api.post(f"tickets/{tid}/checklist/{task}/tick/", crew.tech1))
    assert all(t["done"] and t["done_by"] == crew.tech1.id for t in ticked["checklist_state"])
    refused(api.post(f"tickets/{tid}/checklist/12/tick/", crew.tech1), 400, "task")

    parked = api.ok(
        api.post(f"tickets/{tid}/park/", crew.tech1, {"part_id": brakes, "quantity": 2})
    )
    assert (parked["status"], parked["parts_missing"], parked["parts_here"]) == (
        "assigned",
        1,
        False,
    )
    waiting = [w for w in api.ok(api.get("parts-waiting/", crew.master)) if w["ticket"] == tid]
    assert [(w["bike_code"], w["part_name"], w["quantity"]) for w in waiting] == [
        (code, "Brakes", 2)
    ]
    api.ok(api.post(f"parts-waiting/{waiting[0]['id']}/arrived/", crew.master))
    assert api.ok(api.get(f"tickets/{tid}/", crew.tech1))["parts_here"] is True

    api.ok(api.post(f"tickets/{tid}/start/", crew.tech1))
    api.ok(api.post(f"tickets/{tid}/to-waiting-qc/", crew.tech1, {"confirm_unticked": False}))
    failed = api.ok(api.post(f"tickets/{tid}/qc-fail/", crew.qc, {"tasks": [3, 10]}))
    assert [t["index"] for t in failed["checklist_state"] if t["failed"]] == [3, 10]
    assert [t["index"] for t in failed["checklist_state"] if not t["done"]] == [3, 10]
    trail = api.ok(api.get(f"tickets/{tid}/transitions/", crew.qc))
    assert trail[0]["metadata"]["failed_tasks"] == [3, 10]
    report = api.ok(api.get("analytics/failed-tasks/", crew.manager, days=1))
    assert {"task", "fails", "tickets", "last_at"} <= set(report[0])

    api.ok(api.post(f"tickets/{tid}/start/", crew.tech1))
    unticked = refused(
        api.post(f"tickets/{tid}/to-waiting-qc/", crew.tech1, {"confirm_unticked": False}),
        400,
        "confirm_unticked",
    )
    assert unticked["message"].startswith("2 of 12 tasks are not ticked")
    api.ok(api.post(f"tickets/{tid}/to-waiting-qc/", crew.tech1, {"confirm_unticked": True}))
    done = api.ok(api.post(f"tickets/{tid}/qc-pass/", crew.qc))
    assert (done["status"], done["finished_at"]) == ("done", done["done_at"])
    paid = api.ok(api.get("xp/ledger/", crew.tech1, ticket_id=tid))
    assert [e["amount"] for e in paid] == [4]


def test_an_admin_sets_flag_colour_and_xp_by_hand(api: Api, crew: Crew) -> None:
    tid = api.intake(crew.master)["id"]
    metrics: dict[str, Any] = {"flag_color": "green", "xp_amount": 7}
    refused(api.post(f"tickets/{tid}/manual-metrics/", crew.master, metrics), 403)
    refused(api.post(f"tickets/{tid}/manual-metrics/", crew.manager, {"flag_color": "blue"}), 400)
    changed = api.ok(api.post(f"tickets/{tid}/manual-metrics/", crew.manager, metrics))
    assert (changed["flag_color"], changed["xp_amount"], changed["is_manual"]) == (
        "green",
        7,
        True,
    )


def test_with_every_new_rule_off_a_v1_ticket_reads_as_v1_plus_the_new_fields(
    api: Api, crew: Crew
) -> None:
    ticket = api.intake(crew.master)
    assert ticket["status"] == "new"
    assert (ticket["ticket_parts"], ticket["total_duration"], ticket["flag_color"]) == (
        [],
        45,
        "yellow",
    )
    started = api.ticket_in(crew, "in_progress")
    history = api.ok(api.get(f"tickets/{started['id']}/work-session/history/", crew.tech1))
    assert history == []  # v1's start/ opens no timer
