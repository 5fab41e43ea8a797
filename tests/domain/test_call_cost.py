"""A terminal's call (an actor id, no token) is one transaction that loads its actor once."""

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

# A user read with their roles: the actor, or someone the use case must check.
USER_WITH_ROLES = re.compile(r"JOIN user_roles", re.IGNORECASE)


def test_each_terminal_call_is_one_transaction_loading_its_actor_once(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    counter = StatementCounter(shop.engine)
    tid = intake(shop, people.master).id
    calls = {
        # The technician being assigned is checked too: two users.
        "assign": (lambda: assign_ticket(shop, people.master, tid, people.tech1), 2),
        "start": (lambda: start_work_session(shop, people.tech1, tid), 1),
        "pause": (lambda: pause_work_session(shop, people.tech1, tid, "break"), 1),
        "resume": (lambda: resume_work_session(shop, people.tech1, tid), 1),
        "stop": (lambda: stop_work_session(shop, people.tech1, tid), 1),
        "to qc": (lambda: send_to_qc(shop, people.tech1, tid), 1),
        "qc fail": (lambda: qc_fail(shop, people.qc, tid, "again"), 1),
        "restart": (lambda: start_work_session(shop, people.tech1, tid), 1),
        "to qc again": (lambda: send_to_qc(shop, people.tech1, tid), 1),
        "qc pass": (lambda: qc_pass(shop, people.qc, tid), 1),
    }
    for name, (call, users) in calls.items():
        clock.advance(seconds=60)
        _, cost = counter.measure(call)
        assert cost.transactions == 1, name
        loads = [s for s in cost.sql if USER_WITH_ROLES.search(s)]
        assert len(loads) == users, (name, loads)
