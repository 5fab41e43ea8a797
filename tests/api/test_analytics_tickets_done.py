"""The team report's tickets done, as a client reads them: each with the domain's figures.

The server runs in this process on the test's clock, so worked time is exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shopfloor.api import create_app
from shopfloor.api.tokens import TokenService, TokenType
from shopfloor.config import Settings
from shopfloor.domain import (
    ManualClock,
    Shop,
    assign_ticket,
    qc_pass,
    send_to_qc,
    start_work_session,
)

from ..conftest import People
from ..factories import intake
from .conftest import SECRET, serve_in_thread


@pytest.fixture
def live(shop: Shop, tmp_path: Path) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path, database_url="unused", secret_key_value=SECRET)
    with serve_in_thread(create_app(shop, settings)) as base:
        yield base


def _done(shop: Shop, people: People, clock: ManualClock, code: str, srt: int, minutes: int) -> int:
    ticket = intake(shop, people.master, code, srt=srt)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=minutes)
    send_to_qc(shop, people.tech1, ticket.id)
    qc_pass(shop, people.qc, ticket.id)
    return ticket.id


def test_each_ticket_done_goes_out_with_its_srt_time_worked_and_efficiency_in_order(
    shop: Shop, people: People, clock: ManualClock, live: str
) -> None:
    first = _done(shop, people, clock, "RM-0001", srt=45, minutes=30)
    clock.advance(minutes=1)
    second = _done(shop, people, clock, "RM-0002", srt=20, minutes=0)
    token = TokenService(SECRET).issue(people.manager, TokenType.ACCESS)
    response = httpx.get(
        f"{live}/analytics/team/",
        params={"days": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    rows = response.json()["data"]["efficiency_by_ticket"]
    assert [list(row.items()) for row in rows] == [
        [
            ("ticket", first),
            ("bike_code", "RM-0001"),
            ("technician", people.tech1),
            ("srt_minutes", 45),
            ("worked_seconds", 1800),
            ("efficiency_percent", 150.0),  # 45 minutes of SRT in 30 worked
        ],
        [
            ("ticket", second),
            ("bike_code", "RM-0002"),
            ("technician", people.tech1),
            ("srt_minutes", 20),
            ("worked_seconds", 0),
            ("efficiency_percent", None),
        ],
    ]
