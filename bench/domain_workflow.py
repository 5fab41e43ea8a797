"""The in-process domain workflow on SQLite against raw ``sqlite3``, in alternating rounds.

shopfloor: intake, assign, timer start, send to QC, QC pass (5 write transactions) through
``shopfloor.domain`` on a SQLite file. The baseline: plain ``sqlite3`` doing 5
transactions of the same shape (lock-free reads, updates, audit rows, timer rows, XP)
on a minimal schema in WAL mode, as the shop's SQLite runs.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import data
from bench.measure import Context, Result, alternate, median, ratio_row


def domain_workflow(url: str, count: int) -> Callable[[int], None]:
    """A shop with the people the workflow needs; the returned call runs workflow ``n``."""
    from argon2 import PasswordHasher

    from shopfloor.bootstrap import open_shop
    from shopfloor.domain import (
        assign_ticket,
        create_bikes,
        create_ticket,
        create_user,
        qc_pass,
        send_to_qc,
        start_work_session,
    )

    shop = open_shop(url)
    shop.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    master = create_user(shop, None, "wf-master", "bench-pw", roles=["master"]).id
    manager = create_user(shop, None, "wf-manager", "bench-pw", roles=["ops_manager"]).id
    tech = create_user(shop, None, "wf-tech", "bench-pw", roles=["technician"]).id
    qc = create_user(shop, None, "wf-qc", "bench-pw", roles=["qc_inspector"]).id
    create_bikes(shop, None, [f"RM-WF{n:06d}" for n in range(count)])

    def run(n: int) -> None:
        ticket = create_ticket(
            shop,
            master,
            bike_code=f"RM-WF{n:06d}",
            title="Service",
            checklist=data.CHECKLIST,
            srt_total_minutes=30,
            approve_srt=True,
        )
        assign_ticket(shop, manager, ticket.id, tech)
        start_work_session(shop, tech, ticket.id)
        send_to_qc(shop, tech, ticket.id)
        qc_pass(shop, qc, ticket.id)

    return run


RAW_SCHEMA = """
CREATE TABLE tickets (id INTEGER PRIMARY KEY, bike TEXT NOT NULL, status TEXT NOT NULL,
    technician INTEGER, updated_at TEXT NOT NULL);
CREATE UNIQUE INDEX one_active ON tickets (bike) WHERE status != 'done';
CREATE TABLE transitions (id INTEGER PRIMARY KEY, ticket INTEGER NOT NULL, frm TEXT,
    "to" TEXT NOT NULL, actor INTEGER NOT NULL, at TEXT NOT NULL);
CREATE TABLE work_sessions (id INTEGER PRIMARY KEY, ticket INTEGER NOT NULL,
    technician INTEGER NOT NULL, status TEXT NOT NULL);
CREATE TABLE work_session_events (id INTEGER PRIMARY KEY, session INTEGER NOT NULL,
    action TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE xp (id INTEGER PRIMARY KEY, ticket INTEGER NOT NULL, technician INTEGER NOT NULL,
    amount INTEGER NOT NULL, at TEXT NOT NULL);
"""


def raw_workflow(path: Path) -> Callable[[int], None]:
    """The same 5 write transactions in plain sqlite3 (WAL, like the shop's SQLite)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(RAW_SCHEMA)

    def step(ticket: int, frm: str, to: str, actor: int, extra: Callable[[str], None]) -> None:
        now = datetime.now(UTC).isoformat()
        db.execute("BEGIN IMMEDIATE")
        (status,) = db.execute("SELECT status FROM tickets WHERE id = ?", (ticket,)).fetchone()
        assert status == frm
        db.execute("UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?", (to, now, ticket))
        db.execute('INSERT INTO transitions (ticket, frm, "to", actor, at) VALUES (?, ?, ?, ?, ?)',
                   (ticket, frm, to, actor, now))  # fmt: skip
        extra(now)
        db.execute("COMMIT")

    def run(n: int) -> None:
        now = datetime.now(UTC).isoformat()
        db.execute("BEGIN IMMEDIATE")
        ticket = db.execute("INSERT INTO tickets (bike, status, updated_at) VALUES (?, 'new', ?)",
                            (f"RM-WF{n:06d}", now)).lastrowid  # fmt: skip
        assert ticket is not None
        db.execute("INSERT INTO transitions (ticket, frm, \"to\", actor, at) "
                   "VALUES (?, NULL, 'new', 1, ?)", (ticket, now))  # fmt: skip
        db.execute("COMMIT")
        step(ticket, "new", "assigned", 2, lambda _: None)

        def open_session(at: str) -> None:
            sid = db.execute("INSERT INTO work_sessions (ticket, technician, status) "
                             "VALUES (?, 3, 'running')", (ticket,)).lastrowid  # fmt: skip
            db.execute("INSERT INTO work_session_events (session, action, at) "
                       "VALUES (?, 'start', ?)", (sid, at))  # fmt: skip

        def close_session(at: str) -> None:
            (sid,) = db.execute("SELECT id FROM work_sessions WHERE ticket = ? AND status = "
                                "'running'", (ticket,)).fetchone()  # fmt: skip
            db.execute("UPDATE work_sessions SET status = 'stopped' WHERE id = ?", (sid,))
            db.execute("INSERT INTO work_session_events (session, action, at) "
                       "VALUES (?, 'stop', ?)", (sid, at))  # fmt: skip

        def award(at: str) -> None:
            db.execute("INSERT INTO xp (ticket, technician, amount, at) VALUES (?, 3, 30, ?)",
                       (ticket, at))  # fmt: skip

        step(ticket, "assigned", "in_progress", 3, open_session)
        step(ticket, "in_progress", "waiting_qc", 3, close_session)
        step(ticket, "waiting_qc", "done", 4, award)

    return run


def measure(ctx: Context) -> list[Result]:
    per_round, rounds = ctx.plan.domain, ctx.plan.rounds
    where = ctx.directory("domain")
    runs = {"shop": domain_workflow(f"sqlite:///{where / 'workflow.sqlite3'}", rounds * per_round),
            "raw": raw_workflow(where / "raw.sqlite3")}  # fmt: skip
    numbers = {"shop": 0, "raw": 0}

    def timed(name: str) -> Callable[[], float]:
        def round_() -> float:
            began, first = time.perf_counter(), numbers[name]
            for n in range(first, first + per_round):
                runs[name](n)
            numbers[name] += per_round
            return per_round / (time.perf_counter() - began)

        return round_

    rates = alternate(rounds, {name: timed(name) for name in runs})
    return [ratio_row("domain workflow on SQLite vs raw sqlite3", median(rates["shop"]), "wf/s",
                      median(rates["raw"]), 0.1, "ratio >=")]  # fmt: skip
