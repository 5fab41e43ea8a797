"""Lists cost a fixed number of SQL statements, however long the page.

The server runs in this process (uvicorn in a thread, still over real HTTP) so
the engine's ``before_cursor_execute`` event can count what each request runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from shopfloor.api import create_app
from shopfloor.api.tokens import TokenService, TokenType
from shopfloor.config import Settings
from shopfloor.domain import Shop, assign_ticket, start_work_session

from ..conftest import People
from ..factories import intake
from .conftest import SECRET, serve_in_thread

TICKETS = 24


class StatementCounter:
    def __init__(self, shop: Shop) -> None:
        self.count = 0
        self._lock = threading.Lock()
        event.listen(shop.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        with self._lock:
            self.count += 1

    def measure(self, call: Any) -> int:
        before = self.count
        call()
        return self.count - before


@pytest.fixture
def live(shop: Shop, tmp_path: Path) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path, database_url="unused", secret_key_value=SECRET)
    with serve_in_thread(create_app(shop, settings)) as base:
        yield base


def test_list_queries_do_not_grow_with_page_size(shop: Shop, people: People, live: str) -> None:
    for n in range(TICKETS):
        ticket = intake(shop, people.master, f"RM-{n:04d}")
        if n % 2:
            # Related rows that a lazy list would fetch one by one: technician, sessions.
            assign_ticket(shop, people.master, ticket.id, people.tech1 if n % 4 else people.tech2)
    assign_ticket(shop, people.master, intake(shop, people.master, "RM-9999").id, people.tech1)
    start_work_session(shop, people.tech1, TICKETS + 1)
    token = TokenService(SECRET).issue(people.nobody, TokenType.ACCESS)
    counter = StatementCounter(shop)
    with httpx.Client(base_url=live, headers={"Authorization": f"Bearer {token}"}) as client:

        def fetch(path: str, per_page: int) -> None:
            response = client.get(path, params={"per_page": per_page})
            assert response.status_code == 200, response.text
            assert len(response.json()["results"]) == per_page

        fetch("tickets/", 1)  # warm up
        counts = {n: counter.measure(lambda n=n: fetch("tickets/", n)) for n in (1, 5, TICKETS)}
        bike_counts = {n: counter.measure(lambda n=n: fetch("bikes/", n)) for n in (1, TICKETS)}
    print(f"statements per list request: tickets {counts}, bikes {bike_counts}")
    assert len(set(counts.values())) == 1, counts
    assert len(set(bike_counts.values())) == 1, bike_counts
    assert counts[1] <= 12, counts  # auth + count + page + two aggregates, with BEGIN/COMMITs
