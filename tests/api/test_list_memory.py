"""A big ticket page is streamed: four at once cost the server about one page of memory,
not four (or twelve) copies of it, and the bytes are those of a page sent whole."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from shopfloor.domain import Shop

from ..conftest import People
from ..factories import intake
from .conftest import bearer, refused, start_server, stop_server

TICKETS = 400
# The longest checklist intake takes: 200 tasks of 300 characters (about 64 kB a ticket).
BIG_CHECKLIST = [f"{n:03d} " + "torque the bolts to spec and mark them; " * 7 for n in range(200)]


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.fixture
def big_tickets(shop: Shop, people: People) -> None:
    for n in range(TICKETS):
        intake(shop, people.master, f"RM-{n:04d}", checklist=BIG_CHECKLIST)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_four_full_pages_of_big_checklists_at_once_cost_the_server_under_one_page(
    shop: Shop, db_url: str, people: People, big_tickets: None, tmp_path: Path
) -> None:
    proc, base = start_server(db_url, tmp_path)
    try:
        with httpx.Client(base_url=f"{base}/api/v1/", timeout=120) as client:
            auth = bearer(client, "manager")
            client.get("tickets/", headers=auth, params={"per_page": 100})  # warmed up
            before = _peak_rss_kb(proc.pid)

            def page() -> bytes:
                reply = client.get("tickets/", headers=auth, params={"per_page": 500})
                assert reply.status_code == 200, reply.text[:300]
                return reply.content

            with ThreadPoolExecutor(4) as pool:
                pages = list(pool.map(lambda _: page(), range(4)))
            grown_mb = (_peak_rss_kb(proc.pid) - before) / 1024

        size_mb = len(pages[0]) / 2**20
        assert size_mb > 20  # the page is as big as intake allows tickets to make it
        body = json.loads(pages[0])
        assert len(body["results"]) == TICKETS
        assert body["total_count"] == TICKETS
        assert body["results"][0]["checklist_snapshot"][199].startswith("199 ")
        assert all(p == pages[0] for p in pages)
        assert grown_mb < size_mb, (
            f"peak memory grew {grown_mb:.0f} MB for 4 pages of {size_mb:.0f}"
        )
    finally:
        stop_server(proc)
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]


def test_streamed_pages_and_searches_hold_the_same_tickets_and_refuse_before_any_byte(
    shop: Shop, db_url: str, people: People, tmp_path: Path
) -> None:
    intake(shop, people.master, "RM-0001")
    proc, base = start_server(db_url, tmp_path)
    try:
        with httpx.Client(base_url=f"{base}/api/v1/", timeout=30) as client:
            auth = bearer(client, "manager")
            past = client.get("tickets/", headers=auth, params={"per_page": 500, "page": 2})
            assert "there are 1 page(s)" in refused(past, 404, "page")["message"]
            refused(client.get("tickets/", params={"per_page": 500}), 401)
            whole = client.get("tickets/", headers=auth, params={"per_page": 500})
            assert whole.status_code == 200
            assert whole.json()["total_count"] == 1
            # A search's big page is streamed too, with the tickets a small page has.
            for params in ({"q": "RM-0001"}, {"q": "brake"}, {"date_from": "2020-01-01"}):
                small = client.get("tickets/", headers=auth, params={**params, "per_page": 10})
                big = client.get("tickets/", headers=auth, params={**params, "per_page": 500})
                assert big.json()["results"] == small.json()["results"] == whole.json()["results"]
                assert big.json()["per_page"] == 500
            past = client.get(
                "tickets/", headers=auth, params={"q": "RM", "per_page": 500, "page": 3}
            )
            refused(past, 404, "page")
    finally:
        stop_server(proc)
