"""Timers that never lie: events are stamped under the lock, in order, and the totals add up.

The clock here is read from many threads at once; instead of the wall clock it
is a ``TickingClock`` that moves one second every time anyone reads it, so a
transaction that reads the time before it holds the lock is caught out exactly
the way a real request waiting across a second boundary was.
"""

from __future__ import annotations

import itertools
import random
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from shopfloor.domain import (
    ManualClock,
    RuleViolation,
    Shop,
    TransitionNotAllowed,
    assign_ticket,
    create_user,
    park_ticket,
    pause_work_session,
    resume_work_session,
    start_work_session,
    stop_work_session,
)
from shopfloor.domain.database import create_db_engine
from shopfloor.domain.models import WorkSession, WorkSessionEvent
from shopfloor.domain.worktime import derive_worked_seconds

from ..conftest import T0, People, fast_hasher
from ..factories import intake

TECHNICIANS = 4
CLIENTS_PER_TECHNICIAN = 4  # 16 clients, four on each shared ticket
ACTIONS_PER_CLIENT = 30


class TickingClock:
    """A clock that moves one second forward each time it is read (thread-safe)."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=1)
            return self._now


class LockProbeClock:
    """A ``ManualClock`` that, when armed, notes whether the reader held the ticket's lock.

    It tries to take the lock itself from another connection without waiting:
    if it can, the transaction reading the time did not hold it.
    """

    def __init__(self, url: str, start: datetime) -> None:
        self.url = url
        self.inner = ManualClock(start)
        self.ticket_id: int | None = None
        self.reads_without_lock = 0
        self.reads = 0

    def now(self) -> datetime:
        if self.ticket_id is not None:
            self.reads += 1
            if self._lock_is_free(self.ticket_id):
                self.reads_without_lock += 1
        return self.inner.now()

    def _lock_is_free(self, ticket_id: int) -> bool:
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            probe = sqlite3.connect(str(parsed.database), timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                return True
            except sqlite3.OperationalError:
                return False
            finally:
                probe.close()
        libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(libpq) as probe:
            try:
                probe.execute("SELECT id FROM tickets WHERE id = %s FOR UPDATE NOWAIT", [ticket_id])
                return True
            except psycopg.errors.LockNotAvailable:
                return False


def test_every_timer_action_and_park_read_the_clock_only_while_holding_the_tickets_lock(
    shop: Shop, people: People, db_url: str
) -> None:
    ticket = assign_ticket(shop, people.manager, intake(shop, people.master).id, people.tech1)
    probe = LockProbeClock(db_url, T0)
    probing = Shop(create_db_engine(db_url), clock=probe, hasher=fast_hasher())
    try:
        probe.ticket_id = ticket.id
        for action in (
            start_work_session,
            pause_work_session,
            resume_work_session,
            stop_work_session,
        ):
            action(probing, people.tech1, ticket.id)
        start_work_session(probing, people.tech1, ticket.id)
        park_ticket(probing, people.tech1, ticket.id)
    finally:
        probing.dispose()
    assert probe.reads >= 6
    assert probe.reads_without_lock == 0


def _hammer(url: str, technicians: list[tuple[int, int]], clock: TickingClock) -> list[Exception]:
    """16 clients, each on its own engine, doing random timer actions on shared tickets."""
    actions: list[Callable[[Shop, int, int], object]] = [
        start_work_session,
        pause_work_session,
        resume_work_session,
        stop_work_session,
    ]
    barrier = threading.Barrier(TECHNICIANS * CLIENTS_PER_TECHNICIAN)

    def client(index: int) -> list[Exception]:
        tech, ticket_id = technicians[index % TECHNICIANS]
        rng = random.Random(index)
        own = Shop(create_db_engine(url), clock=clock, hasher=fast_hasher())
        unexpected: list[Exception] = []
        try:
            barrier.wait()
            for _ in range(ACTIONS_PER_CLIENT):
                try:
                    rng.choice(actions)(own, tech, ticket_id)
                except TransitionNotAllowed:
                    pass  # another client moved the timer first: the expected answer
                except RuleViolation as exc:
                    # Another ticket's timer, or a pause after the day's budget ran out.
                    if exc.code not in ("open_session_exists", "pause_budget_used_up"):
                        unexpected.append(exc)
                except Exception as exc:  # anything else is a bug the test must show
                    unexpected.append(exc)
        finally:
            own.dispose()
        return unexpected

    clients = TECHNICIANS * CLIENTS_PER_TECHNICIAN
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(client, range(clients)))
    return [exc for errors in results for exc in errors]


def test_sixteen_clients_hammering_shared_timers_leave_every_session_exact_and_in_order(
    shop: Shop, people: People, db_url: str
) -> None:
    technicians: list[tuple[int, int]] = []
    for n in range(TECHNICIANS):
        tech = create_user(shop, None, f"hammer{n}", "secret-pw", roles=["technician"]).id
        ticket = intake(shop, people.master, f"RM-{n + 1:04d}")
        assign_ticket(shop, people.manager, ticket.id, tech)
        technicians.append((tech, ticket.id))

    unexpected = _hammer(db_url, technicians, TickingClock(T0))

    assert unexpected == []
    engine = create_db_engine(db_url)
    try:
        with engine.connect() as conn:
            sessions = conn.execute(sa.select(WorkSession)).all()
            events = conn.execute(sa.select(WorkSessionEvent).order_by(WorkSessionEvent.id)).all()
    finally:
        engine.dispose()
    assert len(sessions) >= TECHNICIANS
    assert len(events) > 2 * len(sessions)  # the clients did real work, not only refusals
    by_session: dict[int, list[WorkSessionEvent]] = {}
    for event in events:
        by_session.setdefault(event.work_session_id, []).append(event)
    out_of_order = [
        (later.id, later.event_at, earlier.id, earlier.event_at)
        for history in by_session.values()
        for earlier, later in itertools.pairwise(history)
        if later.event_at < earlier.event_at
    ]
    assert out_of_order == []
    mismatched = []
    for ws in sessions:
        history = by_session[ws.id]
        # Closed intervals only: the open one is not banked yet.
        from_events = derive_worked_seconds(history, history[-1].event_at)
        if ws.active_seconds != from_events or ws.active_seconds < 0:
            mismatched.append((ws.id, ws.active_seconds, from_events))
    assert mismatched == []


@pytest.mark.parametrize("offset_seconds", [-1, -3600])
def test_the_database_refuses_an_event_older_than_its_sessions_last_one(
    shop: Shop, people: People, db_url: str, offset_seconds: int
) -> None:
    ticket = assign_ticket(shop, people.manager, intake(shop, people.master).id, people.tech1)
    session = start_work_session(shop, people.tech1, ticket.id)
    engine = create_db_engine(db_url)
    older = WorkSessionEvent.__table__.insert().values(
        work_session_id=session.id,
        ticket_id=ticket.id,
        from_status="running",
        to_status="paused",
        action="paused",
        actor_id=people.tech1,
        event_at=T0 + timedelta(seconds=offset_seconds),
        metadata={},
        created_at=T0,
    )
    try:
        with (
            pytest.raises(sa.exc.IntegrityError, match="work_session_events_in_order"),
            engine.begin() as conn,
        ):
            conn.execute(older)
        with engine.begin() as conn:  # the same second as the last event is fine
            conn.execute(older.values(event_at=T0))
    finally:
        engine.dispose()


def test_the_database_refuses_a_negative_worked_total(
    shop: Shop, people: People, db_url: str
) -> None:
    ticket = assign_ticket(shop, people.manager, intake(shop, people.master).id, people.tech1)
    session = start_work_session(shop, people.tech1, ticket.id)
    engine = create_db_engine(db_url)
    try:
        with (
            pytest.raises(sa.exc.IntegrityError, match="active_seconds_non_negative"),
            engine.begin() as conn,
        ):
            conn.execute(
                sa.update(WorkSession).where(WorkSession.id == session.id).values(active_seconds=-1)
            )
    finally:
        engine.dispose()
