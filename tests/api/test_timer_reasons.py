"""Over HTTP: pause reasons, parking a bike, and 16 clients hammering shared timers."""

from __future__ import annotations

import itertools
import random
from concurrent.futures import ThreadPoolExecutor

import httpx
import sqlalchemy as sa

from shopfloor.domain.database import create_db_engine
from shopfloor.domain.models import WorkSession, WorkSessionEvent
from shopfloor.domain.worktime import derive_worked_seconds

from .conftest import Api, Crew, Member, refused


def test_pause_takes_an_optional_reason_and_old_clients_get_unspecified(
    api: Api, crew: Crew
) -> None:
    tid = api.ticket_in(crew, "assigned")["id"]
    api.ok(api.post(f"tickets/{tid}/work-session/start/", crew.tech1))
    api.ok(api.post(f"tickets/{tid}/work-session/pause/", crew.tech1))  # a v1 client: no body
    api.ok(api.post(f"tickets/{tid}/work-session/resume/", crew.tech1))
    body = {"reason": "tool_or_bay_busy", "note": "Lift in use"}
    api.ok(api.post(f"tickets/{tid}/work-session/pause/", crew.tech1, body))
    history = api.ok(api.get(f"tickets/{tid}/work-session/history/", crew.tech1))
    pauses = [e["metadata"] for e in history if e["action"] == "paused"]
    assert [(m["reason"], m["note"]) for m in pauses] == [
        ("tool_or_bay_busy", "Lift in use"),
        ("unspecified", ""),
    ]


def test_an_unknown_pause_reason_is_a_400_naming_reason(api: Api, crew: Crew) -> None:
    tid = api.ticket_in(crew, "assigned")["id"]
    api.ok(api.post(f"tickets/{tid}/work-session/start/", crew.tech1))
    response = api.post(f"tickets/{tid}/work-session/pause/", crew.tech1, {"reason": "nap"})
    refused(response, 400, "reason")


def test_a_technician_parks_a_bike_for_parts_and_starts_another(api: Api, crew: Crew) -> None:
    first = api.ticket_in(crew, "assigned")["id"]
    second = api.ticket_in(crew, "assigned")["id"]
    api.ok(api.post(f"tickets/{first}/work-session/start/", crew.tech1))
    refused(api.post(f"tickets/{second}/work-session/start/", crew.tech1), 400)

    parked = api.ok(api.post(f"tickets/{first}/park/", crew.tech1, {"note": "Pads on order"}))
    assert (parked["status"], parked["technician"]) == ("assigned", crew.tech1.id)
    assert parked["parked_reason"] == "Waiting for parts"
    assert api.ok(api.post(f"tickets/{second}/work-session/start/", crew.tech1))["status"] == (
        "running"
    )
    move = api.ok(api.get(f"tickets/{first}/transitions/", crew.tech1))[0]
    assert (move["action"], move["metadata"]["reason"]) == ("parked", "waiting_for_parts")
    stop = api.ok(api.get(f"tickets/{first}/work-session/history/", crew.tech1))[0]
    assert (stop["action"], stop["metadata"]["reason"]) == ("stopped", "waiting_for_parts")


def test_parking_is_for_technicians_and_super_admins(api: Api, crew: Crew) -> None:
    tid = api.ticket_in(crew, "in_progress")["id"]
    refused(api.post(f"tickets/{tid}/park/", crew.manager), 403)
    refused(api.post(f"tickets/{tid}/park/", crew.tech2), 403)
    assert api.ok(api.post(f"tickets/{tid}/park/", crew.admin))["status"] == "assigned"


CLIENTS = 16
ACTIONS_PER_CLIENT = 12


def test_sixteen_http_clients_hammering_shared_timers_leave_every_session_exact(
    api: Api, crew: Crew
) -> None:
    techs = [crew.tech1, crew.tech2] + [api.member("technician", prefix="h") for _ in range(2)]
    tickets: list[tuple[Member, int]] = []
    for tech in techs:
        tid = api.intake(crew.master)["id"]
        api.ok(api.post(f"tickets/{tid}/assign/", crew.manager, {"technician_id": tech.id}))
        tickets.append((tech, tid))
    actions = ["start", "pause", "resume", "stop"]

    def client(index: int) -> list[str]:
        tech, tid = tickets[index % len(tickets)]
        rng = random.Random(index)
        unexpected = []
        with httpx.Client(base_url=api.http.base_url, timeout=60) as http:
            for _ in range(ACTIONS_PER_CLIENT):
                action = rng.choice(actions)
                r = http.post(f"tickets/{tid}/work-session/{action}/", headers=tech.auth)
                if r.status_code not in (200, 400) or (
                    r.status_code == 400
                    and r.json()["error"] not in ("invalid_transition", "pause_budget_used_up")
                ):
                    unexpected.append(f"{action}: {r.status_code} {r.text}")
        return unexpected

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        unexpected = list(itertools.chain.from_iterable(pool.map(client, range(CLIENTS))))
    assert unexpected == []

    ids = [tid for _, tid in tickets]
    engine = create_db_engine(api.db_url)
    try:
        with engine.connect() as conn:
            sessions = conn.execute(
                sa.select(WorkSession).where(WorkSession.ticket_id.in_(ids))
            ).all()
            events = conn.execute(
                sa.select(WorkSessionEvent)
                .where(WorkSessionEvent.ticket_id.in_(ids))
                .order_by(WorkSessionEvent.id)
            ).all()
    finally:
        engine.dispose()
    assert sessions
    for ws in sessions:
        history = [e for e in events if e.work_session_id == ws.id]
        assert all(a.event_at <= b.event_at for a, b in itertools.pairwise(history)), ws.id
        assert ws.active_seconds == derive_worked_seconds(history, history[-1].event_at) >= 0


def test_analytics_add_efficiency_pauses_and_parked_keys(api: Api, crew: Crew) -> None:
    tid = api.ticket_in(crew, "assigned")["id"]
    api.ok(api.post(f"tickets/{tid}/work-session/start/", crew.tech1))
    api.ok(api.post(f"tickets/{tid}/work-session/pause/", crew.tech1, {"reason": "break"}))
    api.ok(api.post(f"tickets/{tid}/park/", crew.tech1))
    fleet = api.ok(api.get("analytics/fleet/", crew.manager))
    assert fleet["tickets_parked"] >= 1
    team = api.ok(api.get("analytics/team/", crew.manager, days=7))
    assert {"efficiency_by_day", "efficiency_by_ticket", "pauses_by_reason"} <= set(team)
    assert len(team["efficiency_by_day"]) == 7
    [tech1] = [t for t in team["technicians"] if t["user_id"] == crew.tech1.id]
    assert {
        "efficiency_percent",
        "pause_seconds_by_reason",
        "pause_budget_used_seconds",
        "pause_budget_ran_out",
    } <= set(tech1)
    assert tech1["pause_budget_ran_out"] is False
