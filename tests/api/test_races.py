"""Concurrent intake on one bike over HTTP: exactly one 201, every other answer a clean 400."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from .conftest import Api, Crew, Member, intake_body

CONTENDERS = 8


def race(api: Api, who: Member, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """POST every body to tickets/create/ at once, each on its own connection."""
    barrier = threading.Barrier(len(bodies))

    def run(body: dict[str, Any]) -> httpx.Response:
        with httpx.Client(base_url=f"{api.base_url}/api/v1", timeout=60) as client:
            client.get("misc/health/")  # connect before the start line
            barrier.wait()
            return client.post("tickets/create/", json=body, headers=who.auth)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(run, bodies))


@pytest.mark.parametrize("known_bike", [True, False], ids=["known-bike", "bike-created-at-intake"])
def test_racing_intakes_on_one_bike_admit_exactly_one(
    api: Api, crew: Crew, known_bike: bool
) -> None:
    code = api.add_bike(crew.master)["bike_code"] if known_bike else api.bike_code()
    extra = {} if known_bike else {"confirm_create_bike": True, "bike_creation_reason": "new"}
    responses = race(api, crew.master, [intake_body(code, **extra)] * CONTENDERS)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [400] * (CONTENDERS - 1), [r.text for r in responses]
    for response in responses:
        if response.status_code == 400:
            body = response.json()
            assert body["success"] is False
            assert body["error"] == "active_ticket_exists", body
    listed = api.ok_page(api.get("tickets/", crew.master, bike_code=code))
    assert listed["total_count"] == 1
