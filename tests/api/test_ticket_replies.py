"""The ticket list and detail are encoded straight from the domain's views: they must
send exactly the bytes (and headers) their response models would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter

from shopfloor.api import create_app
from shopfloor.api.schemas import Envelope, PageEnvelope, TicketOut, ok, paged
from shopfloor.config import Settings
from shopfloor.domain import (
    ManualClock,
    Shop,
    assign_ticket,
    create_user,
    get_ticket,
    list_tickets,
    park_ticket,
    qc_fail,
    qc_pass,
    send_to_qc,
    start_work_session,
)

from ..conftest import People
from ..domain.test_hostile_input import legacy_checklist, store_checklist_behind_the_domain
from ..factories import CHECKLIST, intake
from .conftest import SECRET, serve_in_thread

ODD_TEXT = 'Say "hi" \\ back\ttab ☃ 🚲 \u2028 <b>&amp;</b> \u00e9'


def _model_bytes(model: Any, content: Any) -> bytes:
    """What FastAPI sends for ``content`` under ``response_model=model``."""
    adapter = TypeAdapter(model)
    return adapter.dump_json(adapter.validate_python(content, from_attributes=True))


@pytest.fixture
def varied(shop: Shop, people: People, clock: ManualClock) -> list[int]:
    """Tickets in every status and shape: running and parked timers, a QC note, odd text
    in names, titles and checklists, a legacy checklist stored behind the domain."""
    named = create_user(
        shop, None, "zoe", "secret-pw", roles=["technician"], first_name="Zoë", last_name="Ñúñez"
    ).id
    objects = [{"task": ODD_TEXT, "done": True, "critical": False, "note": "ok", "ref": 7}]
    tickets = [
        intake(shop, people.master, "RM-0001"),
        intake(shop, people.master, "RM-0002", title=ODD_TEXT),
        intake(shop, people.master, "RM-0003", checklist=objects + CHECKLIST[1:]),
        intake(shop, people.master, "RM-0004"),
        intake(shop, people.master, "RM-0005"),
        intake(shop, people.master, "RM-0006"),
    ]
    ids = [t.id for t in tickets]
    store_checklist_behind_the_domain(shop, ids[0], legacy_checklist(shop.dialect))
    assign_ticket(shop, people.master, ids[1], named)
    start_work_session(shop, named, ids[1])  # running
    assign_ticket(shop, people.master, ids[2], people.tech1)
    start_work_session(shop, people.tech1, ids[2])
    clock.advance(seconds=95)
    park_ticket(shop, people.tech1, ids[2], note=ODD_TEXT)  # parked, with a reason
    assign_ticket(shop, people.master, ids[3], people.tech2)
    start_work_session(shop, people.tech2, ids[3])
    clock.advance(seconds=61)
    send_to_qc(shop, people.tech2, ids[3])
    qc_fail(shop, people.qc, ids[3], ODD_TEXT)  # rework, with a note
    assign_ticket(shop, people.master, ids[4], people.tech2)
    start_work_session(shop, people.tech2, ids[4])
    clock.advance(seconds=30)
    send_to_qc(shop, people.tech2, ids[4])
    qc_pass(shop, people.qc, ids[4])  # done
    clock.advance(seconds=17)  # the running timer has run on
    return ids


@pytest.fixture
def live(shop: Shop, tmp_path: Path) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path, database_url="unused", secret_key_value=SECRET)
    with serve_in_thread(create_app(shop, settings)) as base:
        yield base


def test_the_ticket_list_and_detail_send_exactly_what_their_response_models_would(
    shop: Shop, varied: list[int], live: str
) -> None:
    with httpx.Client(base_url=live) as client:
        login = client.post("auth/login/", json={"username": "admin", "password": "secret-pw"})
        admin = {"Authorization": f"Bearer {login.json()['data']['access']}"}
        statuses = {t["status"] for t in client.get("tickets/", headers=admin).json()["results"]}
        assert statuses == {"new", "in_progress", "assigned", "rework", "done"}

        for params in ({"per_page": 500}, {"per_page": 2, "page": 2}, {"status": "rework"}):
            listed = client.get("tickets/", params=params, headers=admin)
            page = list_tickets(shop, **params)
            assert listed.content == _model_bytes(PageEnvelope[TicketOut], paged(page, TicketOut))

        empty = client.get("tickets/", params={"status": "waiting_qc"}, headers=admin)
        page = list_tickets(shop, status="waiting_qc")
        assert empty.content == _model_bytes(PageEnvelope[TicketOut], paged(page, TicketOut))

        for tid in varied:
            one = client.get(f"tickets/{tid}/", headers=admin)
            expected = ok(TicketOut.of(get_ticket(shop, tid)))
            assert one.content == _model_bytes(Envelope[TicketOut], expected)

        # Headers as any reply through a response model (the transitions' route) has them.
        modelled = client.get(f"tickets/{varied[0]}/transitions/", headers=admin)
        for reply in (listed, one):
            assert reply.status_code == 200
            assert [k for k, _ in reply.headers.items() if k != "date"] == [
                k for k, _ in modelled.headers.items() if k != "date"
            ]
            assert reply.headers["content-type"] == modelled.headers["content-type"]
            assert reply.headers["content-length"] == str(len(reply.content))
