"""Concurrent writers: exactly one wins, the rest get the domain error, nothing half-written.

Each contender runs in its own thread with its own connection, released together
by a barrier, against a real SQLite file and a real PostgreSQL server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa

from shopfloor.domain import (
    BikeView,
    DomainError,
    RuleViolation,
    Shop,
    TransitionNotAllowed,
    archive_bike,
    assign_ticket,
    create_bike,
    create_ticket,
    create_user,
    list_bikes,
    list_tickets,
    restore_bike,
    start_ticket,
    start_work_session,
)
from shopfloor.domain.database import WriterQueue, create_db_engine
from shopfloor.domain.sql import bikes as bike_statements

from ..conftest import People, fast_hasher
from ..factories import CHECKLIST, intake

CONTENDERS = 6


def race(shop: Shop, calls: list[Callable[[Shop], Any]]) -> tuple[list[Any], list[Exception]]:
    """Run every call at once, each on its own engine; return the results and the errors."""
    barrier = threading.Barrier(len(calls))
    engines = [
        create_db_engine(shop.engine.url.render_as_string(hide_password=False)) for _ in calls
    ]

    def run(index: int) -> Any:
        own = Shop(engines[index], clock=shop.clock, hasher=fast_hasher())
        barrier.wait()
        return calls[index](own)

    wins: list[Any] = []
    losses: list[Exception] = []
    try:
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            for future in [pool.submit(run, i) for i in range(len(calls))]:
                try:
                    wins.append(future.result())
                except Exception as exc:
                    losses.append(exc)
    finally:
        for engine in engines:
            engine.dispose()
    return wins, losses


def _count(shop: Shop, table: str) -> int:
    with shop.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_intake_race_on_one_bike(shop: Shop, people: People) -> None:
    create_bike(shop, people.master, "RM-0001")

    def take_in(own: Shop) -> Any:
        return create_ticket(
            own,
            people.master,
            bike_code="RM-0001",
            title="Race",
            checklist=CHECKLIST,
            srt_total_minutes=30,
            approve_srt=True,
        )

    wins, losses = race(shop, [take_in] * CONTENDERS)
    assert len(wins) == 1
    assert len(losses) == CONTENDERS - 1
    assert all(isinstance(e, RuleViolation) for e in losses), losses
    assert all("already has active ticket #" in e.message for e in losses)  # type: ignore[attr-defined]
    assert _count(shop, "tickets") == 1
    assert _count(shop, "ticket_transitions") == 1


def test_intake_race_creating_the_same_unknown_bike(shop: Shop, people: People) -> None:
    def take_in(own: Shop) -> Any:
        return create_ticket(
            own,
            people.master,
            bike_code="RM-NEW-1",
            title="Race",
            checklist=CHECKLIST,
            srt_total_minutes=30,
            approve_srt=True,
            confirm_create_bike=True,
            bike_creation_reason="delivery",
        )

    wins, losses = race(shop, [take_in] * CONTENDERS)
    assert len(wins) == 1
    assert all(isinstance(e, DomainError) for e in losses), losses
    assert _count(shop, "bikes") == 1
    assert _count(shop, "tickets") == 1


def test_start_race_for_one_technician(shop: Shop, people: People) -> None:
    tickets = [intake(shop, people.master, f"RM-{2000 + i}") for i in range(CONTENDERS)]
    for t in tickets:
        assign_ticket(shop, people.manager, t.id, people.tech1)

    calls = [lambda own, tid=t.id: start_ticket(own, people.tech1, tid) for t in tickets]
    wins, losses = race(shop, calls)
    assert len(wins) == 1
    assert all(isinstance(e, RuleViolation) for e in losses), losses
    assert list_tickets(shop, status="in_progress").total_count == 1
    assert list_tickets(shop, status="assigned").total_count == CONTENDERS - 1
    assert _count(shop, "ticket_transitions") == 2 * CONTENDERS + 1  # created+assigned, 1 start


def test_timer_start_race_for_one_technician(shop: Shop, people: People) -> None:
    tickets = [intake(shop, people.master, f"RM-{3000 + i}") for i in range(CONTENDERS)]
    for t in tickets:
        assign_ticket(shop, people.manager, t.id, people.tech1)

    calls = [lambda own, tid=t.id: start_work_session(own, people.tech1, tid) for t in tickets]
    wins, losses = race(shop, calls)
    assert len(wins) == 1
    assert all(isinstance(e, RuleViolation) for e in losses), losses
    assert _count(shop, "work_sessions") == 1
    assert _count(shop, "work_session_events") == 1
    assert list_tickets(shop, status="in_progress").total_count == 1


def test_race_to_register_one_username(shop: Shop) -> None:
    calls = [
        lambda own, i=i: create_user(own, None, "Sam" if i % 2 else "sam", "pw-1234")
        for i in range(CONTENDERS)
    ]
    wins, losses = race(shop, calls)
    assert len(wins) == 1
    assert all(isinstance(e, DomainError) for e in losses), losses
    assert all("taken" in e.message for e in losses)  # type: ignore[attr-defined]


ROUNDS = 25


def _take_in(master: int, code: str) -> Callable[[Shop], Any]:
    def take_in(own: Shop) -> Any:
        return create_ticket(
            own,
            master,
            bike_code=code,
            title="Race",
            checklist=CHECKLIST,
            srt_total_minutes=30,
            approve_srt=True,
        )

    return take_in


def _archived_bikes_with_active_tickets(shop: Shop) -> int:
    with shop.engine.connect() as conn:
        return int(
            conn.execute(
                sa.text(
                    "SELECT count(*) FROM bikes b JOIN tickets t ON t.bike_id = b.id "
                    "WHERE NOT b.is_active AND t.status != 'done'"
                )
            ).scalar_one()
        )


def test_archive_and_intake_race_never_leave_an_archived_bike_with_an_active_ticket(
    shop: Shop, people: People
) -> None:
    """Whichever takes the bike's row first wins; the others get the domain's refusal."""
    outcomes: dict[str, int] = {"archived": 0, "taken in": 0}
    for round_ in range(ROUNDS):
        code = f"RM-{5000 + round_}"
        bike = create_bike(shop, people.master, code)

        def archive(own: Shop, bike_id: int = bike.id) -> Any:
            return archive_bike(own, people.manager, bike_id)

        take_in = _take_in(people.master, code)
        wins, losses = race(shop, [archive, take_in, archive, take_in])
        assert len(wins) == 1, (round_, wins, losses)
        assert all(isinstance(e, DomainError) for e in losses), losses
        outcomes["archived" if isinstance(wins[0], BikeView) else "taken in"] += 1
        assert _archived_bikes_with_active_tickets(shop) == 0, round_
    assert _count(shop, "tickets") == outcomes["taken in"]
    assert list_bikes(shop, archived=True).total_count == outcomes["archived"]


def test_concurrent_archives_and_restores_of_one_bike_give_one_success_each(
    shop: Shop, people: People
) -> None:
    bike = create_bike(shop, people.master, "RM-6000")
    wins, losses = race(shop, [lambda own: archive_bike(own, people.manager, bike.id)] * CONTENDERS)
    assert len(wins) == 1
    assert all(isinstance(e, TransitionNotAllowed) for e in losses), losses
    assert all("already archived" in e.message for e in losses)  # type: ignore[attr-defined]

    wins, losses = race(shop, [lambda own: restore_bike(own, people.manager, bike.id)] * CONTENDERS)
    assert len(wins) == 1
    assert all(isinstance(e, TransitionNotAllowed) for e in losses), losses
    assert all("is not archived" in e.message for e in losses)  # type: ignore[attr-defined]


def test_without_the_domain_locks_the_database_still_keeps_archived_bikes_free(
    shop: Shop, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: the triggers alone hold the invariant under the same race.

    The losers then get the database's refusal rather than the domain's sentence,
    which is why the domain takes the lock first.
    """
    monkeypatch.setattr(bike_statements, "LOCK_BY_CODE", bike_statements.BY_CODE)
    monkeypatch.setattr(bike_statements, "LOCK_BY_ID", bike_statements.BY_ID)
    for round_ in range(ROUNDS):
        code = f"RM-{7000 + round_}"
        bike = create_bike(shop, people.master, code)

        def archive(own: Shop, bike_id: int = bike.id) -> Any:
            return archive_bike(own, people.manager, bike_id)

        race(shop, [archive, _take_in(people.master, code)] * 2)
        assert _archived_bikes_with_active_tickets(shop) == 0, round_


def test_writers_in_one_process_get_their_turn_in_the_order_they_asked() -> None:
    """SQLite's own lock lets a waiting writer in whenever its busy handler happens to
    poll; within a process, writers queue first come, first served (database.py)."""
    queue = WriterQueue()
    assert queue.acquire(timeout=1)
    order: list[int] = []

    def write(n: int) -> None:
        assert queue.acquire(timeout=5)
        order.append(n)
        queue.release()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for n, thread in enumerate(threads):
        thread.start()
        while queue.waiting <= n:  # in line behind the ones started before it
            time.sleep(0.001)
    queue.release()
    for thread in threads:
        thread.join()
    assert order == list(range(6))
