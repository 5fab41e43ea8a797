"""`shopfloor audit verify` reads the shop at one moment, however busy the terminals are.

Verify compares what is stored with what the history says, in several statements. Were
each statement to see the database as of its own start (PostgreSQL's default), a step
committed between two of them would be counted on one side and not the other, and
verify would report drift that is not there. Here verify runs as a real process that
stops once, half-way (before it reads the stored daily rollups, after it recomputed
them from the history), while a terminal works tickets; it then goes on and must find
the shop clean.
"""

from __future__ import annotations

import subprocess
import sys

from shopfloor.domain import ManualClock, Shop, assign_ticket, qc_pass, send_to_qc
from shopfloor.domain.work_sessions import pause_work_session, start_work_session

from ..conftest import People
from ..factories import intake

# `shopfloor audit verify`, stopping once before the first statement that reads the stored
# rollups: it says so on stderr and goes on when a line arrives on stdin. Only the test
# adds this pause; the product has no such hook.
VERIFY_STOPPING_HALF_WAY = """
import sys
from sqlalchemy import event
from sqlalchemy.engine import Engine
from shopfloor import cli

stopped = []

@event.listens_for(Engine, "before_cursor_execute")
def stop_once(conn, cursor, statement, parameters, context, executemany):
    if not stopped and "FROM technician_days" in statement:
        stopped.append(statement)
        print("half-way", file=sys.stderr, flush=True)
        sys.stdin.readline()

sys.exit(cli.main(sys.argv[1:]))
"""


def test_verify_is_clean_when_a_terminal_works_tickets_half_way_through_it(
    shop: Shop, people: People, clock: ManualClock, db_url: str, env: dict[str, str]
) -> None:
    to_pass = intake(shop, people.master, "RM-0001").id
    to_pause = intake(shop, people.master, "RM-0002").id
    assign_ticket(shop, people.master, to_pass, people.tech1)
    assign_ticket(shop, people.master, to_pause, people.tech2)
    start_work_session(shop, people.tech1, to_pass)
    start_work_session(shop, people.tech2, to_pause)
    clock.advance(minutes=25)

    verify = subprocess.Popen(
        [sys.executable, "-c", VERIFY_STOPPING_HALF_WAY, "audit", "verify"],
        env={**env, "SHOPFLOOR_DATABASE_URL": db_url},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert verify.stderr is not None
        assert verify.stdin is not None
        # Blocks until verify has stopped half-way (or ended without reaching the point).
        assert verify.stderr.readline() == "half-way\n"
        # Each a transaction of its own, committed while verify waits: worked time
        # banked in the day's rollup, a pass with its XP, a pause.
        send_to_qc(shop, people.tech1, to_pass)
        qc_pass(shop, people.qc, to_pass)
        pause_work_session(shop, people.tech2, to_pause)
        verify.stdin.write("go on\n")
        verify.stdin.flush()
        out, err = verify.communicate(timeout=120)
    finally:
        if verify.poll() is None:
            verify.kill()
            verify.wait()
    assert verify.returncode == 0, out + err
    assert out.splitlines() == [
        "Audit clean: 2 tickets, 2 work sessions, 2 bikes and 0 XP entries agree with "
        "their history."
    ]
