"""What one request costs the database: one transaction, and few statements.

The server runs in this process (uvicorn in a thread, over real HTTP) so the
engine's events can count every statement each request makes the driver run,
BEGIN and COMMIT included. The workflow is the one a workshop repeats all day:
a bike, its intake, assignment, the timer started and stopped, QC and the pass.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event

from shopfloor.api import create_app
from shopfloor.config import Settings
from shopfloor.domain import Shop

from ..conftest import People
from .conftest import SECRET, intake_body, serve_in_thread

# Statements the seven requests of one workflow may run together, BEGIN/COMMIT included.
WORKFLOW_BUDGET = {"sqlite": 999, "postgresql": 999}


@dataclass
class Tally:
    """What the driver ran for one stretch of work."""

    statements: int = 0
    transactions: int = 0
    pings: int = 0


@dataclass
class StatementCounter:
    """Counts every statement the driver runs on ``engine``, from its events.

    psycopg opens a transaction implicitly and both drivers commit through the
    connection, not a cursor, so BEGIN, COMMIT and ROLLBACK are counted from the
    engine's transaction events, and an explicit ``BEGIN`` statement (SQLite's)
    is not counted twice. A pool pre-ping never passes through the cursor events
    either; it is counted per checkout when the pool has it switched on.
    """

    engine: Engine
    tally: Tally = field(default_factory=Tally)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        for name in ("begin", "commit", "rollback"):
            event.listen(self.engine, name, self._transaction_event(name))
        if getattr(self.engine.pool, "_pre_ping", False):
            event.listen(self.engine.pool, "checkout", self._ping)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("BEGIN"):
            return  # counted by the begin event
        with self._lock:
            self.tally.statements += 1

    def _transaction_event(self, name: str) -> Any:
        def seen(_conn: Any) -> None:
            with self._lock:
                self.tally.statements += 1
                self.tally.transactions += name == "begin"

        return seen

    def _ping(self, *_args: Any) -> None:
        with self._lock:
            self.tally.statements += 1
            self.tally.pings += 1

    def measure(self, call: Any) -> tuple[Any, Tally]:
        with self._lock:
            self.tally = Tally()
        result = call()
        with self._lock:
            return result, self.tally


@pytest.fixture
def live(shop: Shop, tmp_path: Path) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path, database_url="unused", secret_key_value=SECRET)
    with serve_in_thread(create_app(shop, settings)) as base:
        yield base


def _log_in(client: httpx.Client, username: str) -> dict[str, str]:
    response = client.post("auth/login/", json={"username": username, "password": "secret-pw"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['data']['access']}"}


def _workflow(
    client: httpx.Client, counter: StatementCounter, people: People, code: str
) -> dict[str, Tally]:
    """The seven requests of one workflow; what each cost."""
    master, tech, qc = (_log_in(client, name) for name in ("master", "tech1", "qc"))
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
