"""PostgreSQL pushes every committed change: the triggers notify once per transaction, on
commit only, and a terminal's feed hears it, also after its connection was cut.

Nothing here sleeps: each step waits on the notification (or the feed's callback) it
expects, with a generous limit that only a broken build reaches.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import psycopg
import pytest

from shopfloor.domain import (
    DomainError,
    ManualClock,
    Shop,
    assign_ticket,
    create_bike,
    qc_pass,
    send_to_qc,
    start_work_session,
)
from shopfloor.domain.changes import CHANNEL, ChangeFeed

from ..conftest import People
from ..databases import terminate_backends
from ..factories import intake

pytestmark = pytest.mark.postgres
LIMIT = 10.0  # seconds; reached only when the notification never comes


@pytest.fixture
def shop(pg_shop: Shop) -> Shop:
    return pg_shop


@pytest.fixture
def listener(shop: Shop) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A bare LISTEN connection, to see exactly what the triggers send."""
    feed = ChangeFeed.for_shop(shop)
    assert feed is not None
    conn = psycopg.connect(feed.conninfo, autocommit=True)
    conn.execute(f"LISTEN {CHANNEL}")
    yield conn
    conn.close()


def notifications_until_sentinel(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """Every payload on the channel up to a sentinel sent now (delivery keeps commit order)."""
    conn.execute(f"NOTIFY {CHANNEL}, 'sentinel'")
    seen: list[str] = []
    for note in conn.notifies(timeout=LIMIT):
        if note.payload == "sentinel":
            return seen
        seen.append(note.payload)
    raise AssertionError("the sentinel notification never came")


def test_a_committed_change_notifies_once_and_a_rolled_back_one_not_at_all(
    shop: Shop, people: People, listener: psycopg.Connection[tuple[object, ...]]
) -> None:
    clock = shop.clock
    assert isinstance(clock, ManualClock)
    ticket = intake(shop, people.master, "RM-2001")
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=30)
    send_to_qc(shop, people.tech1, ticket.id)
    notifications_until_sentinel(listener)  # what the set-up sent

    # Refused: the transaction rolls back, so nobody hears of it.
    with pytest.raises(DomainError):
        qc_pass(shop, people.tech1, ticket.id)
    assert notifications_until_sentinel(listener) == []

    # A QC pass writes the ticket, its history, XP and the bike: one notification.
    qc_pass(shop, people.qc, ticket.id)
    assert notifications_until_sentinel(listener) == [""]


def test_a_change_written_in_plain_sql_notifies_too(
    shop: Shop, people: People, listener: psycopg.Connection[tuple[object, ...]]
) -> None:
    create_bike(shop, people.master, "RM-2002")
    notifications_until_sentinel(listener)
    with shop.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE workshop_rules SET pause_budget_minutes = 45")
    assert notifications_until_sentinel(listener) == [""]


def run_feed(feed: ChangeFeed) -> tuple[queue.Queue[int], threading.Thread]:
    """The feed in a thread; each callback puts how many times it had connected by then."""
    calls: queue.Queue[int] = queue.Queue()
    thread = threading.Thread(target=feed.run, args=(lambda: calls.put(feed.connects),))
    thread.start()
    return calls, thread


def test_the_feed_calls_back_on_connect_and_for_each_commit(shop: Shop, people: People) -> None:
    feed = ChangeFeed.for_shop(shop)
    assert feed is not None
    calls, thread = run_feed(feed)
    try:
        assert calls.get(timeout=LIMIT) == 1  # on connect: whatever changed before
        create_bike(shop, people.master, "RM-2003")
        assert calls.get(timeout=LIMIT) == 1
    finally:
        feed.stop()
        thread.join(LIMIT)
    assert not thread.is_alive()


def test_the_feed_reconnects_after_its_backend_is_ended_and_pushes_again(
    shop: Shop, people: People
) -> None:
    feed = ChangeFeed(shop.engine.url.render_as_string(hide_password=False), retry_first=0.01)
    calls, thread = run_feed(feed)
    try:
        assert calls.get(timeout=LIMIT) == 1
        first = feed.backend_pid
        assert terminate_backends(shop.engine, first) == 1  # as a server restart would

        # It reconnects by itself and says so (changes meanwhile were not delivered) ...
        assert calls.get(timeout=LIMIT) == 2
        assert feed.backend_pid != first
        # ... and the next commit is pushed on the new connection.
        create_bike(shop, people.master, "RM-2004")
        assert calls.get(timeout=LIMIT) == 2
    finally:
        feed.stop()
        thread.join(LIMIT)


def test_no_feed_on_sqlite(sqlite_url: str) -> None:
    from shopfloor.domain.database import create_db_engine

    engine = create_db_engine(sqlite_url)
    try:
        assert ChangeFeed.for_shop(Shop(engine)) is None
    finally:
        engine.dispose()
