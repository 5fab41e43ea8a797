"""Over HTTP: no inspecting your own work, and no assignment that changes nothing."""

from __future__ import annotations

import pytest

from .conftest import Api, Crew, refused


@pytest.mark.parametrize("verdict", ["qc-pass", "qc-fail"])
def test_who_worked_on_a_ticket_gets_403_judging_its_qc(api: Api, crew: Crew, verdict: str) -> None:
    both = api.member("technician", "qc_inspector", prefix="ivan")
    tid = api.intake(crew.master)["id"]
    api.ok(api.post(f"tickets/{tid}/assign/", crew.manager, {"technician_id": both.id}))
    api.ok(api.post(f"tickets/{tid}/work-session/start/", both))
    api.ok(api.post(f"tickets/{tid}/to-waiting-qc/", both))

    body = refused(api.post(f"tickets/{tid}/{verdict}/", both, {"note": "Fine"}), 403)
    assert body["message"].startswith(f"You worked on ticket #{tid}, so you may not pass or fail")
    assert api.ok(api.get(f"tickets/{tid}/", crew.qc))["status"] == "waiting_qc"
    assert api.ok(api.post(f"tickets/{tid}/{verdict}/", crew.qc, {"note": "Fine"}))


def test_assigning_to_the_technician_who_has_it_is_400_and_no_audit_row(
    api: Api, crew: Crew
) -> None:
    tid = api.intake(crew.master)["id"]
    api.ok(api.post(f"tickets/{tid}/assign/", crew.manager, {"technician_id": crew.tech1.id}))
    body = refused(
        api.post(f"tickets/{tid}/assign/", crew.manager, {"technician_id": crew.tech1.id}),
        400,
        "technician_id",
    )
    assert "already assigned to" in body["message"]
    history = api.ok(api.get(f"tickets/{tid}/transitions/", crew.manager))
    assert [t["action"] for t in history] == ["assigned", "created"]
