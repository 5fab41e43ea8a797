"""Finding tickets (code, title, technician, notes, number; typos; filters) and a bike's
history, on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select

from shopfloor.domain import (
    ManualClock,
    NotFound,
    Shop,
    ValidationFailed,
    assign_ticket,
    park_ticket,
    pause_work_session,
    qc_fail,
    qc_pass,
    resume_work_session,
    send_to_qc,
    start_work_session,
)
from shopfloor.domain.audit import rebuild_read_models
from shopfloor.domain.history import bike_history
from shopfloor.domain.search import search_tickets
from shopfloor.domain.search_index import TicketSearchTerm, rebuild_search_index

from ..conftest import People
from ..factories import intake


@pytest.fixture
def floor(shop: Shop, people: People, clock: ManualClock) -> dict[str, int]:
    """Three tickets a day apart: a brake job passed after a QC fail (tech1), a battery job
    parked waiting for parts (tech2), and a new one; the newest last."""
    brake = intake(shop, people.master, "RM-1001", title="Brake service, rear disc").id
    assign_ticket(shop, people.manager, brake, people.tech1)
    start_work_session(shop, people.tech1, brake)
    clock.advance(minutes=20)
    pause_work_session(shop, people.tech1, brake, reason="other", note="Fetching the bleed kit")
    clock.advance(minutes=5)
    resume_work_session(shop, people.tech1, brake)
    clock.advance(minutes=10)
    send_to_qc(shop, people.tech1, brake)
    qc_fail(shop, people.qc, brake, note="Squeal on hard stops")
    start_work_session(shop, people.tech1, brake)
    clock.advance(minutes=15)
    send_to_qc(shop, people.tech1, brake)
    qc_pass(shop, people.qc, brake)
    clock.advance(days=1)
    battery = intake(shop, people.master, "RM-2002", title="Battery check").id
    assign_ticket(shop, people.manager, battery, people.tech2)
    start_work_session(shop, people.tech2, battery)
    clock.advance(minutes=7)
    park_ticket(shop, people.tech2, battery, note="Cell pack ordered")
    clock.advance(days=1)
    fresh = intake(shop, people.master, "RM-3003", title="Puncture front").id
    return {"brake": brake, "battery": battery, "fresh": fresh}


def found(shop: Shop, who: int, q: str | None = None, **filters: object) -> list[int]:
    return [t.id for t in search_tickets(shop, who, q, **filters).items]  # type: ignore[arg-type]


def test_search_finds_by_code_title_technician_note_and_number(
    shop: Shop, people: People, floor: dict[str, int]
) -> None:
    me = people.tech1
    assert found(shop, me, "RM-2002") == [floor["battery"]]
    assert found(shop, me, "brake") == [floor["brake"]]
    assert found(shop, me, "Disc REAR") == [floor["brake"]]  # every word, any case
    assert found(shop, me, "squeal") == [floor["brake"]]  # a QC note
    assert found(shop, me, "bleed") == [floor["brake"]]  # a pause note
    assert found(shop, me, "ordered") == [floor["battery"]]  # a parking note
    assert found(shop, me, "tech2") == [floor["battery"]]  # the technician
    assert found(shop, me, f"#{floor['fresh']}") == [floor["fresh"]]
    assert found(shop, me, "brake tech2") == []  # both must match


def test_search_forgives_a_mistyped_code_or_word(
    shop: Shop, people: People, floor: dict[str, int]
) -> None:
    assert found(shop, people.master, "RM-2020") == [floor["battery"]]  # two digits swapped
    assert found(shop, people.master, "batery") == [floor["battery"]]
    assert found(shop, people.master, "punctrue") == [floor["fresh"]]
    assert found(shop, people.master, "brkae serv") == [floor["brake"]]


def test_search_results_are_newest_first_paged_and_filtered(
    shop: Shop, people: People, floor: dict[str, int], clock: ManualClock
) -> None:
    everything = search_tickets(shop, people.qc, "rm", per_page=2)
    assert [t.id for t in everything.items] == [floor["fresh"], floor["battery"]]
    assert (everything.total_count, everything.page_count) == (3, 2)
    assert found(shop, people.qc, "rm", technician_id=people.tech1) == [floor["brake"]]
    first_day = (clock.now() - timedelta(days=2)).date()
    assert found(shop, people.qc, "rm", since=first_day, until=first_day) == [floor["brake"]]
    assert found(shop, people.qc, since=first_day + timedelta(days=1)) == [
        floor["fresh"],
        floor["battery"],
    ]
    assert found(shop, people.qc, "rm", status="assigned") == [floor["battery"]]
    with pytest.raises(NotFound):
        search_tickets(shop, people.qc, "rm", page=3, per_page=2)


def test_search_refuses_what_it_cannot_search_for(shop: Shop, people: People) -> None:
    for q, field in (("x", "q"), ("a" * 201, "q")):
        with pytest.raises(ValidationFailed) as refused:
            search_tickets(shop, people.tech1, q)
        assert refused.value.field == field
    with pytest.raises(ValidationFailed) as backwards:
        search_tickets(shop, people.tech1, since=date(2026, 3, 2), until=date(2026, 3, 1))
    assert backwards.value.field == "date_to"


def test_the_word_index_is_what_rebuilding_it_from_the_history_gives_and_audit_rebuild_restores_it(
    shop: Shop, people: People, floor: dict[str, int]
) -> None:
    def index() -> list[tuple[str, int]]:
        with shop.engine.connect() as conn:
            return sorted(tuple(r) for r in conn.execute(select(TicketSearchTerm)))  # type: ignore[misc]

    kept = index()
    assert ("squeal", floor["brake"]) in kept
    with shop.engine.begin() as conn:
        rebuild_search_index(conn)
    assert index() == kept
    # Lost (a bulk load skips the triggers): `audit rebuild` writes it again.
    with shop.engine.begin() as conn:
        conn.execute(delete(TicketSearchTerm))
    assert search_tickets(shop, people.tech1, "squeal").total_count == 0
    rebuild_read_models(shop)
    assert index() == kept
    assert search_tickets(shop, people.tech1, "squeal").items[0].id == floor["brake"]


def test_a_bikes_history_shows_who_did_what_with_qc_outcomes_and_parkings(
    shop: Shop, people: People, floor: dict[str, int], clock: ManualClock
) -> None:
    brake_bike = search_tickets(shop, people.tech1, "RM-1001").items[0].bike
    # A second repair of the same bike, still running.
    again = intake(shop, people.master, "RM-1001", title="Brake pads", create_bike_first=False).id
    assign_ticket(shop, people.manager, again, people.tech2)
    start_work_session(shop, people.tech2, again)
    clock.advance(minutes=12)
    history = bike_history(shop, people.tech1, brake_bike)
    assert history.bike.bike_code == "RM-1001"
    newest, first = history.repairs
    assert newest.ticket.id == again
    assert [(w.technician_name, w.worked_seconds) for w in newest.workers] == [("Tech2", 12 * 60)]
    assert first.ticket.master_name == "Master"
    assert [(w.technician_name, w.worked_seconds) for w in first.workers] == [
        ("Tech1", (20 + 10 + 15) * 60)
    ]
    assert [(q.passed, q.note, q.inspector_name) for q in first.qc] == [
        (False, "Squeal on hard stops", "Qc"),
        (True, "", "Qc"),
    ]
    assert history.worked_seconds == (20 + 10 + 15 + 12) * 60
    parked = bike_history(shop, people.manager, search_tickets(shop, None, "RM-2002").items[0].bike)
    [(reason, note, who)] = [
        (p.reason, p.note, p.technician_name) for p in parked.repairs[0].parked
    ]
    assert (reason, note, who) == ("Waiting for parts", "Cell pack ordered", "Tech2")
    with pytest.raises(NotFound):
        bike_history(shop, people.tech1, 999_999)
