"""A pooled connection the server dropped is replaced on use, never pinged before it.

PostgreSQL ends a backend (``pg_terminate_backend``, as a restart or an idle
timeout would) while the shop's pool still holds its connection. The next use
case finds it dead before anything was committed and runs once more on a fresh
connection; one that dies while its COMMIT is under way is not run again, since
it may have landed, and answers "unavailable" instead.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from shopfloor.domain import (
    NotFound,
    Shop,
    ShopUnavailable,
    create_bike,
    create_user,
    get_bike_by_code,
    list_bikes,
    ticket_transitions,
)
from shopfloor.domain.shop import ConnectionLost

from ..databases import terminate_backends
from ..factories import intake
from ..statements import seen_disconnects

pytestmark = pytest.mark.postgres


def test_a_use_case_after_the_server_dropped_the_pooled_connection_succeeds_once(
    pg_shop: Shop,
) -> None:
    master = create_user(pg_shop, None, "master", "secret-pw", roles=["master"]).id
    create_bike(pg_shop, master, "RM-0001")
    disconnects = seen_disconnects(pg_shop.engine)
    assert terminate_backends(pg_shop.engine) >= 1

    ticket = intake(pg_shop, master, "RM-0002")  # a write

    assert disconnects == [True]  # it did meet the dead connection, and went on
    assert [t.action for t in ticket_transitions(pg_shop, ticket.id)] == ["created"]
    assert terminate_backends(pg_shop.engine) >= 1
    assert [b.bike_code for b in list_bikes(pg_shop).items] == ["RM-0001", "RM-0002"]  # a read
    assert disconnects == [True, True]


def test_a_connection_that_dies_during_commit_is_not_retried(pg_shop: Shop) -> None:
    master = create_user(pg_shop, None, "master", "secret-pw", roles=["master"]).id
    create_bike(pg_shop, master, "RM-0001")  # the pool now holds a live connection
    inserts: list[str] = []
    event.listen(
        pg_shop.engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_a: (
            inserts.append(statement) if statement.startswith("INSERT") else None
        ),
    )

    def die_before_commit_arrives(conn: Any) -> None:
        terminate_backends(pg_shop.engine, conn.connection.dbapi_connection.info.backend_pid)

    event.listen(pg_shop.engine, "commit", die_before_commit_arrives)
    try:
        with pytest.raises(ShopUnavailable) as refused:
            create_bike(pg_shop, master, "RM-0002")
    finally:
        event.remove(pg_shop.engine, "commit", die_before_commit_arrives)

    assert not isinstance(refused.value, ConnectionLost)
    assert refused.value.code == "database_unavailable"
    assert len(inserts) == 1  # run once: nobody can tell whether that COMMIT landed
    # It did not (the server ended the backend first): the bike can be added now.
    with pytest.raises(NotFound):
        get_bike_by_code(pg_shop, "RM-0002")
    create_bike(pg_shop, master, "RM-0002")


def test_a_dead_connection_found_twice_running_is_unavailable(pg_shop: Shop) -> None:
    master = create_user(pg_shop, None, "master", "secret-pw", roles=["master"]).id
    attempts: list[int] = []

    def kill_every_connection(conn: Any, *_args: Any) -> None:
        attempts.append(1)
        terminate_backends(pg_shop.engine, conn.connection.dbapi_connection.info.backend_pid)

    event.listen(pg_shop.engine, "begin", kill_every_connection)
    try:
        with pytest.raises(ShopUnavailable) as refused:
            create_bike(pg_shop, master, "RM-0003")
    finally:
        event.remove(pg_shop.engine, "begin", kill_every_connection)
    assert refused.value.code == "database_unavailable"
    assert len(attempts) == 2
