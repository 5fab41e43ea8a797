"""Every role against every action: allowed ones succeed, the rest are 403 with a reason.

Each case builds its own ticket or bike in the state the action needs, so the
only thing that varies is who asks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .conftest import Api, Crew, Member, intake_body, refused

ROLES = ["super_admin", "ops_manager", "master", "technician", "qc_inspector", "none"]


def _create_ticket(api: Api, crew: Crew, who: Member) -> httpx.Response:
    code = api.add_bike(crew.master)["bike_code"]
    return api.post("tickets/create/", who, intake_body(code))


def _assign(api: Api, crew: Crew, who: Member) -> httpx.Response:
    tid = api.intake(crew.master)["id"]
    return api.post(f"tickets/{tid}/assign/", who, {"technician_id": crew.tech1.id})


def _on(status: str, action: str, body: dict[str, Any] | None = None) -> Callable[..., Any]:
    def call(api: Api, crew: Crew, who: Member) -> httpx.Response:
        tid = api.ticket_in(crew, status)["id"]
        return api.post(f"tickets/{tid}/{action}/", who, body)

    return call


def _timer(step: str) -> Callable[..., Any]:
    """A timer action on a ticket whose running timer tech1 started (and paused first, for
    resume)."""

    def call(api: Api, crew: Crew, who: Member) -> httpx.Response:
        tid = api.ticket_in(crew, "assigned")["id"]
        api.ok(api.post(f"tickets/{tid}/work-session/start/", crew.tech1))
        if step == "resume":
            api.ok(api.post(f"tickets/{tid}/work-session/pause/", crew.tech1))
        return api.post(f"tickets/{tid}/work-session/{step}/", who)

    return call


def _ticket_read(suffix: str) -> Callable[..., Any]:
    def call(api: Api, crew: Crew, who: Member) -> httpx.Response:
        tid = api.intake(crew.master)["id"]
        return api.get(f"tickets/{tid}/{suffix}", who)

    return call


def _bike_create(api: Api, _crew: Crew, who: Member) -> httpx.Response:
    return api.post("bikes/create/", who, {"bike_code": api.bike_code()})


def _bike_archive(api: Api, crew: Crew, who: Member) -> httpx.Response:
    bike = api.add_bike(crew.master)
    return api.post(f"bikes/{bike['id']}/archive/", who)


def _bike_restore(api: Api, crew: Crew, who: Member) -> httpx.Response:
    bike = api.add_bike(crew.master)
    api.ok(api.post(f"bikes/{bike['id']}/archive/", crew.master))
    return api.post(f"bikes/{bike['id']}/restore/", who)


def _read(path: str, **params: Any) -> Callable[..., Any]:
    def call(api: Api, _crew: Crew, who: Member) -> httpx.Response:
        return api.get(path, who, **params)

    return call


def _xp_of_other(api: Api, crew: Crew, who: Member) -> httpx.Response:
    other = api.member("technician")
    return api.get("xp/ledger/", who, user_id=other.id)


WORKERS = {"super_admin", "technician"}
MANAGERS = {"super_admin", "ops_manager"}
ACTIONS: dict[str, tuple[Callable[..., Any], set[str], int]] = {
    "create ticket": (_create_ticket, {"super_admin", "master"}, 201),
    "assign": (_assign, {"super_admin", "ops_manager", "master"}, 200),
    "start": (_on("assigned", "start"), WORKERS, 200),
    "to-waiting-qc": (_on("in_progress", "to-waiting-qc"), WORKERS, 200),
    "qc-pass": (_on("waiting_qc", "qc-pass"), {"super_admin", "qc_inspector"}, 200),
    "qc-fail": (_on("waiting_qc", "qc-fail", {"note": "x"}), {"super_admin", "qc_inspector"}, 200),
    "timer start": (_on("assigned", "work-session/start"), WORKERS, 200),
    "timer pause": (_timer("pause"), WORKERS, 200),
    "timer resume": (_timer("resume"), WORKERS, 200),
    "timer stop": (_timer("stop"), WORKERS, 200),
    "create bike": (_bike_create, {"super_admin", "ops_manager", "master"}, 201),
    "archive bike": (_bike_archive, {"super_admin", "ops_manager", "master"}, 200),
    "restore bike": (_bike_restore, {"super_admin", "ops_manager", "master"}, 200),
    "fleet analytics": (_read("analytics/fleet/"), MANAGERS, 200),
    "team analytics": (_read("analytics/team/", days=30), MANAGERS, 200),
    "read others' XP": (_xp_of_other, MANAGERS, 200),
    "list tickets": (_read("tickets/"), set(ROLES), 200),
    "list bikes": (_read("bikes/"), set(ROLES), 200),
    "own XP": (_read("xp/ledger/"), set(ROLES), 200),
    "users/me": (_read("users/me/"), set(ROLES), 200),
    "suggest bikes": (_read("bikes/suggest/", q="RM-"), set(ROLES), 200),
    "ticket detail": (_ticket_read(""), set(ROLES), 200),
    "transitions": (_ticket_read("transitions/"), set(ROLES), 200),
    "timer history": (_ticket_read("work-session/history/"), set(ROLES), 200),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_matrix(api: Api, crew: Crew, action: str, role: str) -> None:
    call, allowed, success = ACTIONS[action]
    # The technician who acts is the one the ticket is assigned to (crew.tech1).
    response = call(api, crew, crew.by_role(role))
    if role in allowed:
        assert response.status_code == success, response.text
        assert response.json()["success"] is True
    else:
        body = refused(response, 403)
        assert body["error"] == "permission_denied"


@pytest.mark.parametrize("action", ["start", "to-waiting-qc", "work-session/start"])
def test_work_is_only_for_the_assigned_technician(api: Api, crew: Crew, action: str) -> None:
    status = "in_progress" if action == "to-waiting-qc" else "assigned"
    tid = api.ticket_in(crew, status)["id"]
    body = refused(api.post(f"tickets/{tid}/{action}/", crew.tech2), 403)
    assert "another technician" in body["message"]


def test_work_on_an_unassigned_ticket_is_refused(api: Api, crew: Crew) -> None:
    tid = api.intake(crew.master)["id"]
    refused(api.post(f"tickets/{tid}/work-session/start/", crew.tech1), 403)
