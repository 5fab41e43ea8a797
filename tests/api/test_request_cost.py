"""What one request costs the database: one transaction, and few statements.

The server runs in this process (uvicorn in a thread, over real HTTP) so the
engine's events can count every statement each request makes the driver run,
BEGIN and COMMIT included. The workflow is the one a workshop repeats all day:
a bike, its intake, assignment, the timer started and stopped, QC and the pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shopfloor.api import create_app
from shopfloor.config import Settings
from shopfloor.domain import Shop, change_password, create_user, set_active

from ..conftest import People
from ..databases import terminate_backends
from ..statements import StatementCounter, Tally, seen_disconnects
from .conftest import SECRET, bearer, intake_body, serve_in_thread

# Statements the seven requests of one workflow may run together, BEGIN/COMMIT included.
WORKFLOW_BUDGET = {"sqlite": 45, "postgresql": 33}


def _serve(shop: Shop, tmp_path: Path) -> Any:
    settings = Settings(data_dir=tmp_path, database_url="unused", secret_key_value=SECRET)
    return serve_in_thread(create_app(shop, settings))


@pytest.fixture
def live(shop: Shop, tmp_path: Path) -> Iterator[str]:
    with _serve(shop, tmp_path) as base:
        yield base


def _workflow(
    client: httpx.Client, counter: StatementCounter, people: People, code: str
) -> dict[str, Tally]:
    """The seven requests of one workflow; what each cost."""
    master, tech, qc = (bearer(client, name) for name in ("master", "tech1", "qc"))
    costs: dict[str, Tally] = {}

    def call(name: str, path: str, who: dict[str, str], body: Any = None) -> Any:
        response, costs[name] = counter.measure(lambda: client.post(path, json=body, headers=who))
        assert response.status_code in (200, 201), response.text
        return response.json()["data"]

    call("bikes/create", "bikes/create/", master, {"bike_code": code})
    ticket = call("tickets/create", "tickets/create/", master, intake_body(code))
    tid = ticket["id"]
    call("assign", f"tickets/{tid}/assign/", master, {"technician_id": people.tech1})
    call("work-session/start", f"tickets/{tid}/work-session/start/", tech)
    call("work-session/stop", f"tickets/{tid}/work-session/stop/", tech)
    call("to-waiting-qc", f"tickets/{tid}/to-waiting-qc/", tech)
    done = call("qc-pass", f"tickets/{tid}/qc-pass/", qc)
    assert done["status"] == "done"
    return costs


def test_each_workflow_request_runs_one_transaction_within_the_statement_budget(
    shop: Shop, people: People, live: str
) -> None:
    counter = StatementCounter(shop.engine)
    with httpx.Client(base_url=live) as client:
        _workflow(client, counter, people, "RM-WARM")  # connections and caches warmed
        costs = _workflow(client, counter, people, "RM-0001")
    total = sum(c.statements for c in costs.values())
    print(
        f"\n{shop.dialect}: {total} statements per workflow; "
        + ", ".join(f"{name} {c.statements}" for name, c in costs.items())
    )
    assert {name: c.transactions for name, c in costs.items()} == dict.fromkeys(costs, 1)
    assert all(c.pings == 0 for c in costs.values()), costs
    assert total <= WORKFLOW_BUDGET[shop.dialect], costs


def test_the_ticket_list_and_detail_read_caller_page_and_total_in_one_statement(
    shop: Shop, people: People, live: str
) -> None:
    """One statement: the caller's check, the page and its total (kept counters, or an
    indexed count when filtered) come back together, for an empty page and one past
    the end too; so does one ticket with the caller's check. On PostgreSQL it is its
    own transaction (autocommit); SQLite wraps it in BEGIN and COMMIT."""
    one = 1 if shop.dialect == "postgresql" else 3
    counter = StatementCounter(shop.engine)
    with httpx.Client(base_url=live) as client:
        for code in ("RM-0001", "RM-0002", "RM-0003"):
            _workflow(client, counter, people, code)
        admin = bearer(client, "admin")

        def get(path: str, **params: Any) -> tuple[httpx.Response, Tally]:
            return counter.measure(lambda: client.get(path, params=params, headers=admin))

        for params in (
            {},
            {"per_page": 2, "page": 2},
            {"status": "done,new"},
            {"technician": people.tech1},
            {"bike_code": "RM-0002"},
        ):
            response, cost = get("tickets/", **params)
            assert response.status_code == 200, response.text
            expected = 1 if "bike_code" in params else 3
            assert response.json()["total_count"] == expected, params
            assert (cost.statements, cost.transactions) == (one, 1), (params, cost.sql)

        empty, cost = get("tickets/", status="rework")
        assert empty.json()["total_count"] == 0
        assert empty.json()["results"] == []
        assert cost.statements == one, cost.sql

        past, cost = get("tickets/", per_page=2, page=3)
        assert past.status_code == 404, past.text
        assert "2 page(s)" in past.json()["message"]
        assert cost.statements == one, cost.sql

        tid = response.json()["results"][0]["id"]
        detail, cost = get(f"tickets/{tid}/")
        assert detail.status_code == 200, detail.text
        assert detail.json()["data"]["id"] == tid
        assert (cost.statements, cost.transactions) == (one, 1), cost.sql

        missing, cost = get("tickets/999999/")
        assert missing.status_code == 404, missing.text
        assert cost.statements == one, cost.sql


def _reads(tid: int, bike_id: int) -> list[str]:
    """Every authenticated GET route, for one ticket and bike."""
    return [
        "tickets/",
        f"tickets/{tid}/",
        f"tickets/{tid}/transitions/",
        f"tickets/{tid}/work-session/history/",
        "bikes/",
        f"bikes/{bike_id}/",
        "bikes/suggest/?q=RM",
        "xp/ledger/",
        "analytics/fleet/",
        "analytics/team/",
        "users/me/",
    ]


def test_every_read_route_runs_one_transaction(shop: Shop, people: People, live: str) -> None:
    counter = StatementCounter(shop.engine)
    with httpx.Client(base_url=live) as client:
        _workflow(client, counter, people, "RM-0001")
        admin = bearer(client, "admin")
        tickets = client.get("tickets/", headers=admin).json()["results"]
        paths = _reads(tickets[0]["id"], tickets[0]["bike"])
        costs = {}
        for path in paths:
            response, costs[path] = counter.measure(lambda p=path: client.get(p, headers=admin))
            assert response.status_code == 200, (path, response.text)
    assert {path: c.transactions for path, c in costs.items()} == dict.fromkeys(paths, 1)


def test_a_stale_token_is_refused_by_every_route_in_the_use_cases_transaction(
    shop: Shop, people: People, live: str
) -> None:
    """The session checks moved into the use case: each route still answers 401 (or 403)
    with the same codes, in one transaction that writes nothing."""
    counter = StatementCounter(shop.engine)
    with httpx.Client(base_url=live) as client:
        _workflow(client, counter, people, "RM-0001")
        tid = client.get("tickets/", headers=bearer(client, "admin")).json()["results"][0]["id"]
        nobody, master, qc = (bearer(client, n) for n in ("nobody", "master", "qc"))
        posts = [
            ("bikes/create/", {"bike_code": "RM-0002"}),
            ("tickets/create/", intake_body("RM-0001")),
            (f"tickets/{tid}/assign/", {"technician_id": people.tech1}),
            (f"tickets/{tid}/work-session/start/", None),
            (f"tickets/{tid}/qc-pass/", None),
        ]
        # No role: reads are allowed, writes are 403.
        for path, body in posts:
            response, cost = counter.measure(
                lambda p=path, b=body: client.post(p, json=b, headers=nobody)
            )
            assert response.status_code == 403, (path, response.text)
            assert cost.transactions == 1, path
        change_password(shop, None, people.master, "another-pw")
        set_active(shop, None, people.qc, False)
        for who, code in ((master, "credentials_changed"), (qc, "user_inactive")):
            for path in _reads(tid, 1):
                response, cost = counter.measure(lambda p=path, w=who: client.get(p, headers=w))
                assert response.status_code == 401, (path, response.text)
                assert response.json()["error"] == code, (path, response.text)
                assert response.headers["www-authenticate"].startswith("Bearer")
                assert cost.transactions == 1, path
            for path, body in posts:
                response = client.post(path, json=body, headers=who)
                assert response.status_code == 401, (path, response.text)
                assert response.json()["error"] == code, (path, response.text)


@pytest.mark.postgres
def test_a_request_after_the_server_dropped_its_pooled_connection_succeeds_once(
    pg_shop: Shop, tmp_path: Path
) -> None:
    create_user(pg_shop, None, "master", "secret-pw", roles=["master"])
    disconnects = seen_disconnects(pg_shop.engine)
    counter = StatementCounter(pg_shop.engine)
    with _serve(pg_shop, tmp_path) as base, httpx.Client(base_url=base) as client:
        master = bearer(client, "master")
        created = client.post("bikes/create/", json={"bike_code": "RM-0001"}, headers=master)
        assert created.status_code == 201, created.text
        assert terminate_backends(pg_shop.engine) >= 1

        response, cost = counter.measure(
            lambda: client.post("tickets/create/", json=intake_body("RM-0001"), headers=master)
        )

        assert response.status_code == 201, response.text
        assert disconnects == [True]
        assert cost.transactions == 2  # the one on the dead connection, then the one that ran
        tid = response.json()["data"]["id"]
        trail = client.get(f"tickets/{tid}/transitions/", headers=master).json()["data"]
        assert [t["action"] for t in trail] == ["created"]
        listed = client.get("tickets/", headers=master).json()
        assert listed["total_count"] == 1
