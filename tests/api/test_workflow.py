"""The whole loop over HTTP, and every move the state machines refuse."""

from __future__ import annotations

import math

import pytest

from .conftest import Api, Crew, refused


def test_intake_assign_timer_qc_fail_rework_qc_pass_pays_xp(api: Api, crew: Crew) -> None:
    ticket = api.intake(crew.master, srt_total_minutes=50)
    tid = ticket["id"]
    api.ok(api.post(f"tickets/{tid}/assign/", crew.manager, {"technician_id": crew.tech1.id}))

    # The timer starts the ticket and puts the bike into service.
    session = api.ok(api.post(f"tickets/{tid}/work-session/start/", crew.tech1))
    assert (session["status"], session["ticket"], session["technician"]) == (
        "running",
        tid,
        crew.tech1.id,
    )
    assert api.ok(api.get(f"tickets/{tid}/", crew.tech1))["status"] == "in_progress"
    assert api.ok(api.get(f"bikes/{ticket['bike']}/", crew.tech1))["status"] == "in_service"
    assert api.ok(api.post(f"tickets/{tid}/work-session/pause/", crew.tech1))["status"] == "paused"
    assert (
        api.ok(api.post(f"tickets/{tid}/work-session/resume/", crew.tech1))["status"] == "running"
    )

    # Sending to QC stops the open timer.
    waiting = api.ok(api.post(f"tickets/{tid}/to-waiting-qc/", crew.tech1))
    assert waiting["status"] == "waiting_qc"
    history = api.ok(api.get(f"tickets/{tid}/work-session/history/", crew.qc))
    assert [e["action"] for e in history] == ["stopped", "resumed", "paused", "started"]
    assert history[0]["metadata"] == {"reason": "sent_to_qc"}
    assert {"id", "work_session", "ticket", "from_status", "to_status", "actor", "event_at",
            "created_at"} <= set(history[0])  # fmt: skip

    rework = api.ok(api.post(f"tickets/{tid}/qc-fail/", crew.qc, {"note": "Brake rubs"}))
    assert rework["status"] == "rework"
    assert rework["qc_fail_count"] == 1
    assert api.ok(api.get("xp/ledger/", crew.tech1)) == []

    # Rework: the technician works again and resubmits.
    api.ok(api.post(f"tickets/{tid}/start/", crew.tech1))
    api.ok(api.post(f"tickets/{tid}/work-session/start/", crew.tech1))
    api.ok(api.post(f"tickets/{tid}/work-session/stop/", crew.tech1))
    api.ok(api.post(f"tickets/{tid}/to-waiting-qc/", crew.tech1))
    done = api.ok(api.post(f"tickets/{tid}/qc-pass/", crew.qc, {"note": "Good now"}))
    assert done["status"] == "done"
    assert done["done_at"] is not None
    assert api.ok(api.get(f"bikes/{ticket['bike']}/", crew.tech1))["status"] == "ready"

    transitions = api.ok(api.get(f"tickets/{tid}/transitions/", crew.nobody))
    assert [t["action"] for t in transitions] == [
        "qc_pass", "to_waiting_qc", "started", "qc_fail", "to_waiting_qc", "started", "assigned",
        "created",
    ]  # fmt: skip
    assert transitions[3]["note"] == "Brake rubs"
    assert transitions[0]["actor"] == crew.qc.id

    # Failed once: base XP only, no first-pass bonus.
    entries = api.ok(api.get("xp/ledger/", crew.tech1))
    assert [(e["entry_type"], e["amount"], e["reference"]) for e in entries] == [
        ("ticket_base_xp", math.ceil(50 / 20), f"ticket_base_xp:{tid}")
    ]
    assert entries[0]["user"] == crew.tech1.id
    assert api.ok(api.get("xp/ledger/", crew.manager, ticket_id=tid)) == entries


def test_first_pass_pays_the_bonus(api: Api, crew: Crew) -> None:
    tid = api.ticket_in(crew, "done")["id"]
    entries = api.ok(api.get("xp/ledger/", crew.admin, ticket_id=tid))
    assert sorted((e["entry_type"], e["amount"]) for e in entries) == [
        ("ticket_base_xp", 3),
        ("ticket_qc_first_pass_bonus", 1),
    ]
    bonus = api.ok(
        api.get("xp/ledger/", crew.tech1, entry_type="ticket_qc_first_pass_bonus", limit=1)
    )
    assert [e["reference"] for e in bonus] == [f"ticket_qc_first_pass_bonus:{tid}"]


# --- refused transitions ---------------------------------------------------------------------

TICKET_ACTIONS = ["start", "to-waiting-qc", "qc-pass", "qc-fail"]
ALLOWED_FROM = {
    "start": {"assigned", "rework"},
    "to-waiting-qc": {"in_progress"},
    "qc-pass": {"waiting_qc"},
    "qc-fail": {"waiting_qc"},
    "assign": {"new", "assigned", "rework"},
}


REFUSED_MOVES = [
    (action, status)
    for action in [*TICKET_ACTIONS, "assign"]
    for status in ["new", "assigned", "in_progress", "waiting_qc", "rework", "done"]
    if status not in ALLOWED_FROM[action]
]


@pytest.mark.parametrize(("action", "status"), REFUSED_MOVES)
def test_invalid_transitions_are_400(api: Api, crew: Crew, action: str, status: str) -> None:
    tid = api.ticket_in(crew, status)["id"]
    body = {"technician_id": crew.tech1.id} if action == "assign" else None
    result = refused(api.post(f"tickets/{tid}/{action}/", crew.admin, body), 400)
    assert result["error"] == "invalid_transition"
    assert status in result["message"]


def test_one_ticket_in_progress_per_technician(api: Api, crew: Crew) -> None:
    api.ticket_in(crew, "in_progress")
    second = api.ticket_in(crew, "assigned")
    body = refused(api.post(f"tickets/{second['id']}/start/", crew.tech1), 400, "technician")
    assert body["error"] == "technician_busy"
    refused(api.post(f"tickets/{second['id']}/work-session/start/", crew.tech1), 400)


def test_one_open_timer_per_technician(api: Api, crew: Crew) -> None:
    first = api.ticket_in(crew, "in_progress")["id"]
    api.ok(api.post(f"tickets/{first}/work-session/start/", crew.tech1))
    second = api.ticket_in(crew, "assigned")["id"]
    body = refused(api.post(f"tickets/{second}/work-session/start/", crew.tech1), 400)
    assert body["error"] == "open_session_exists"
    assert f"#{first}" in body["message"]


# --- timer -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "action", "words"),
    [
        ([], "pause", "start a work session first"),
        ([], "resume", "start a work session first"),
        ([], "stop", "start a work session first"),
        (["start"], "start", "already running"),
        (["start"], "resume", "already running"),
        (["start", "pause"], "pause", "paused"),
        (["start", "stop"], "pause", "start a work session first"),
    ],
)
def test_invalid_timer_actions_are_400(
    api: Api, crew: Crew, setup: list[str], action: str, words: str
) -> None:
    tid = api.ticket_in(crew, "in_progress")["id"]
    for step in setup:
        api.ok(api.post(f"tickets/{tid}/work-session/{step}/", crew.tech1))
    body = refused(api.post(f"tickets/{tid}/work-session/{action}/", crew.tech1), 400)
    assert words in body["message"]


@pytest.mark.parametrize("status", ["new", "waiting_qc", "done"])
def test_timer_cannot_start_outside_work_states(api: Api, crew: Crew, status: str) -> None:
    tid = api.ticket_in(crew, status)["id"]
    body = refused(api.post(f"tickets/{tid}/work-session/start/", crew.admin), 400)
    assert status in body["message"]


def test_timer_on_a_rework_ticket_restarts_it(api: Api, crew: Crew) -> None:
    tid = api.ticket_in(crew, "rework")["id"]
    api.ok(api.post(f"tickets/{tid}/work-session/start/", crew.tech1))
    assert api.ok(api.get(f"tickets/{tid}/", crew.tech1))["status"] == "in_progress"


def test_work_session_object_has_the_contract_fields(api: Api, crew: Crew) -> None:
    tid = api.ticket_in(crew, "assigned")["id"]
    session = api.ok(api.post(f"tickets/{tid}/work-session/start/", crew.tech1))
    assert {"id", "ticket", "technician", "status", "started_at", "last_started_at", "ended_at",
            "active_seconds", "created_at", "updated_at"} <= set(session)  # fmt: skip
    stopped = api.ok(api.post(f"tickets/{tid}/work-session/stop/", crew.tech1))
    assert stopped["ended_at"] is not None
    assert stopped["status"] == "stopped"
