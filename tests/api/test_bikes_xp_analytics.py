"""Bikes, the XP ledger, analytics and health, as clients read them."""

from __future__ import annotations

from .conftest import Api, Crew, refused


def test_bike_create_normalises_and_refuses_duplicates(api: Api, crew: Crew) -> None:
    code = api.bike_code()
    bike = api.ok(
        api.post("bikes/create/", crew.manager, {"bike_code": f" {code.lower()[:5]} {code[5:]}"}),
        201,
    )
    assert bike["bike_code"] == code
    assert (bike["status"], bike["is_active"], bike["archived_at"]) == ("ready", True, None)
    assert {"id", "created_at", "updated_at"} <= set(bike)
    body = refused(api.post("bikes/create/", crew.manager, {"bike_code": code}), 400, "bike_code")
    assert body["error"] == "duplicate"
    refused(api.post("bikes/create/", crew.manager, {"bike_code": "RM-1"}), 400, "bike_code")
    refused(api.post("bikes/create/", crew.manager, {}), 400, "bike_code")


def test_bike_list_is_paginated_and_filtered(api: Api, crew: Crew) -> None:
    prefix = api.bike_code()[:9]
    codes = sorted(api.add_bike(crew.master, f"{prefix}-{i}")["bike_code"] for i in range(3))
    page = api.ok_page(api.get("bikes/", crew.tech1, q=prefix, per_page=2))
    assert [b["bike_code"] for b in page["results"]] == codes[:2]
    assert (page["total_count"], page["page_count"]) == (3, 2)
    archived_id = page["results"][0]["id"]
    api.ok(api.post(f"bikes/{archived_id}/archive/", crew.master))
    archived = api.ok_page(api.get("bikes/", crew.tech1, q=prefix, archived="true"))
    assert [b["id"] for b in archived["results"]] == [archived_id]
    assert archived["results"][0]["archived_at"] is not None
    refused(api.get("bikes/", crew.tech1, q=prefix, page=3, per_page=2), 404)
    refused(api.get("bikes/", crew.tech1, status="lost"), 400, "status")


def test_bike_suggest(api: Api, crew: Crew) -> None:
    prefix = api.bike_code()[:10]
    codes = [api.add_bike(crew.master, f"{prefix}{i}")["bike_code"] for i in range(7)]
    data = api.ok(api.get("bikes/suggest/", crew.tech1, q=prefix.lower()))
    assert data["query"] == prefix
    assert data["suggestions"] == codes[:5]
    refused(api.get("bikes/suggest/", crew.tech1, q=" r "), 400, "q")
    refused(api.get("bikes/suggest/", crew.tech1), 400, "q")


def test_archive_and_restore_refuse_the_wrong_state(api: Api, crew: Crew) -> None:
    bike = api.add_bike(crew.master)
    refused(api.post(f"bikes/{bike['id']}/restore/", crew.master), 400)
    archived = api.ok(api.post(f"bikes/{bike['id']}/archive/", crew.master))
    assert archived["is_active"] is False
    refused(api.post(f"bikes/{bike['id']}/archive/", crew.master), 400)
    refused(api.post("bikes/2000000000/archive/", crew.master), 404)


def test_a_bike_with_an_active_ticket_cannot_be_archived(api: Api, crew: Crew) -> None:
    ticket = api.intake(crew.master)
    body = refused(api.post(f"bikes/{ticket['bike']}/archive/", crew.master), 400)
    assert body["error"] == "active_ticket_exists"


def test_xp_ledger_limits_and_filters(api: Api, crew: Crew) -> None:
    tid = api.ticket_in(crew, "done")["id"]
    entries = api.ok(api.get("xp/ledger/", crew.manager, user_id=crew.tech1.id))
    assert len(entries) == 2
    assert {"id", "user", "amount", "entry_type", "reference", "description", "payload",
            "created_at"} <= set(entries[0])  # fmt: skip
    assert entries[0]["payload"]["ticket_id"] == tid
    assert len(api.ok(api.get("xp/ledger/", crew.tech1, limit=1))) == 1
    refused(api.get("xp/ledger/", crew.tech1, limit=0), 400, "limit")
    refused(api.get("xp/ledger/", crew.tech1, limit=501), 400, "limit")
    refused(api.get("xp/ledger/", crew.tech1, entry_type="bonus"), 400, "entry_type")
    # A technician reading their own entries by id is fine; another's is not.
    assert api.ok(api.get("xp/ledger/", crew.tech1, user_id=crew.tech1.id)) == entries
    refused(api.get("xp/ledger/", crew.tech2, user_id=crew.tech1.id), 403)
    assert api.ok(api.get("xp/ledger/", crew.tech2)) == []


def test_fleet_analytics(api: Api, crew: Crew) -> None:
    api.ticket_in(crew, "done")
    data = api.ok(api.get("analytics/fleet/", crew.manager))
    assert set(data["bikes_by_status"]) == {"ready", "in_service", "rented", "blocked", "write_off"}
    assert set(data["tickets_by_status"]) == {
        "new", "assigned", "in_progress", "waiting_qc", "rework", "done"
    }  # fmt: skip
    assert data["tickets_by_status"]["done"] >= 1
    assert data["qc_passed_total"] >= 1
    assert len(data["qc_trend"]) == 14
    assert 0 <= data["availability_percent"] <= 100
    assert len(api.ok(api.get("analytics/fleet/", crew.admin, days=3))["qc_trend"]) == 3


def test_team_analytics(api: Api, crew: Crew) -> None:
    api.ticket_in(crew, "done")
    data = api.ok(api.get("analytics/team/", crew.admin, days=1))
    assert data["days"] == 1
    mine = next(t for t in data["technicians"] if t["user_id"] == crew.tech1.id)
    assert (mine["done"], mine["first_pass"], mine["xp"], mine["in_progress"]) == (1, 1, 4, 0)
    assert mine["first_pass_percent"] == 100.0
    for days in (0, 91, "x"):
        refused(api.get("analytics/team/", crew.admin, days=days), 400, "days")


def test_fleet_analytics_has_the_originals_keys(api: Api, crew: Crew) -> None:
    api.ticket_in(crew, "done")
    api.intake(crew.master)
    data = api.ok(api.get("analytics/fleet/", crew.manager))
    assert {"generated_at", "fleet", "tickets", "backlog", "kpis", "qc"} <= set(data)
    assert set(data["fleet"]) == {
        "total", "active", "ready", "in_service", "rented", "blocked", "write_off"
    }  # fmt: skip
    assert data["fleet"]["total"] >= data["fleet"]["active"] >= data["fleet"]["ready"]
    assert set(data["tickets"]) == {
        "active_total", "new", "assigned", "in_progress", "waiting_qc", "rework", "done"
    }  # fmt: skip
    assert data["tickets"]["active_total"] >= 1
    backlog = data["backlog"]
    assert set(backlog) == {"total", "flag_buckets", "status_buckets", "kpis"}
    assert set(backlog["flag_buckets"]) == {"green", "yellow", "red", "black", "black_plus"}
    assert set(backlog["status_buckets"]) == {
        "new", "assigned", "in_progress", "waiting_qc", "rework"
    }  # fmt: skip
    assert sum(backlog["flag_buckets"].values()) == backlog["total"]
    assert set(backlog["kpis"]) == {
        "avg_flag_minutes", "avg_age_minutes", "red_or_worse_count", "black_or_worse_count"
    }  # fmt: skip
    assert set(data["kpis"]) == {"availability_percent", "stockout_now"}
    assert isinstance(data["kpis"]["stockout_now"], bool)
    qc = data["qc"]
    assert set(qc) == {"window_days", "start_date", "end_date", "totals", "trend"}
    counts = {
        "done", "first_pass_done", "rework_done", "first_pass_rate_percent",
        "qc_pass_events", "qc_fail_events",
    }  # fmt: skip
    assert set(qc["totals"]) == counts
    assert qc["window_days"] == len(qc["trend"]) == 7
    assert set(qc["trend"][0]) == counts | {"date"}
    assert [d["date"] for d in qc["trend"]] == sorted(d["date"] for d in qc["trend"])
    assert (qc["trend"][0]["date"], qc["trend"][-1]["date"]) == (qc["start_date"], qc["end_date"])
    assert qc["totals"]["done"] >= 1


def test_team_analytics_has_the_originals_keys_and_members_for_the_picker(
    api: Api, crew: Crew
) -> None:
    api.ticket_in(crew, "done")
    data = api.ok(api.get("analytics/team/", crew.admin))
    assert {"generated_at", "period", "summary", "members"} <= set(data)
    assert set(data["period"]) == {"days", "start_date", "end_date"}
    assert data["period"]["days"] == 7
    assert set(data["summary"]) == {
        "technicians_total", "tickets_done_total", "raw_xp_total", "first_pass_rate_percent"
    }  # fmt: skip
    members = {m["user_id"]: m for m in data["members"]}
    assert {crew.tech1.id, crew.tech2.id} <= set(members)
    assert data["summary"]["technicians_total"] == len(members)
    mine = members[crew.tech1.id]
    assert set(mine) == {
        "user_id", "name", "username", "level", "tickets_done", "tickets_first_pass",
        "first_pass_rate_percent", "raw_xp", "in_progress_now",
    }  # fmt: skip
    assert (mine["username"], mine["name"], mine["level"]) == (crew.tech1.username, "tech1", None)
    assert (mine["tickets_done"], mine["tickets_first_pass"], mine["raw_xp"]) == (1, 1, 4)
    assert (mine["first_pass_rate_percent"], mine["in_progress_now"]) == (100.0, 0)
    assert data["summary"]["raw_xp_total"] == sum(m["raw_xp"] for m in data["members"])


def test_health_is_bare_and_needs_no_token(api: Api) -> None:
    response = api.get("misc/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
