"""A terminal's call (an actor id, no token) is one transaction that reads its actor once,
in the statement that locks the ticket."""

from __future__ import annotations

import re

from shopfloor.domain import (
    ManualClock,
    Shop,
    assign_ticket,
    pause_work_session,
    qc_fail,
    qc_pass,
    resume_work_session,
    send_to_qc,
    start_work_session,
    stop_work_session,
)

from ..conftest import People
from ..factories import intake
from ..statements import StatementCounter

# The caller's row (see shopfloor/domain/sql/caller.py) in a statement.
CALLER_ROW = re.compile(r"AS caller_active\b", re.IGNORECASE)
# The ticket's row lock (PostgreSQL; SQLite's write transactions are serial).
TICKET_LOCK = re.compile(r"FOR UPDATE OF tickets", re.IGNORECASE)


def test_each_terminal_call_is_one_transaction_reading_its_actor_with_the_ticket_lock(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    counter = StatementCounter(shop.engine)
    tid = intake(shop, people.master).id
    calls = {
        "assign": lambda: assign_ticket(shop, people.master, tid, people.tech1),
        "start": lambda: start_work_session(shop, people.tech1, tid),
        "pause": lambda: pause_work_session(shop, people.tech1, tid, "break"),
        "resume": lambda: resume_work_session(shop, people.tech1, tid),
        "stop": lambda: stop_work_session(shop, people.tech1, tid),
        "to qc": lambda: send_to_qc(shop, people.tech1, tid),
        "qc fail": lambda: qc_fail(shop, people.qc, tid, "again"),
        "restart": lambda: start_work_session(shop, people.tech1, tid),
        "to qc again": lambda: send_to_qc(shop, people.tech1, tid),
        "qc pass": lambda: qc_pass(shop, people.qc, tid),
    }
    for name, call in calls.items():
        clock.advance(seconds=60)
        _, cost = counter.measure(call)
        assert cost.transactions == 1, name
        reads = [s for s in cost.sql if CALLER_ROW.search(s)]
        assert len(reads) == 1, (name, reads)
        if shop.dialect == "postgresql":
            assert TICKET_LOCK.search(reads[0]), (name, reads[0])
