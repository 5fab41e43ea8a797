"""How long `shopfloor audit verify` takes on a big shop.

Bulk-loads a shop whose every ticket went through two QC failures before passing
(11 transitions, 3 work sessions of 4 events each, one XP entry per ticket), so
100,000 tickets carry 1.1 million transitions and 1.2 million timer events. Then
times :func:`verify_shop` (it must also come out clean: the data is consistent).

    .venv/bin/python bench/audit_verify.py --tickets 10000 100000 [--postgres URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text

from shopfloor.domain import Shop
from shopfloor.domain.audit import verify_shop
from shopfloor.domain.database import create_db_engine, upgrade
from shopfloor.domain.models import (
    Bike,
    Ticket,
    TicketTransition,
    User,
    UserRole,
    WorkSession,
    WorkSessionEvent,
    XpEntry,
)
from shopfloor.domain.rollups import rebuild

BATCH = 2_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)
CHECKLIST = [f"Task {i}" for i in range(10)]
# Each work cycle: started -> in_progress, 20 min worked around a 5 min pause, then QC.
CYCLE_OUTCOMES = ("qc_fail", "qc_fail", "qc_pass")


def _ticket_rows(i: int) -> dict[str, list[dict[str, Any]]]:
    """Every row one finished ticket leaves behind, ids derived from ``i``."""
    tid, start = i + 1, T0 + timedelta(minutes=i)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in ("tt", "ws", "ev", "xp")}
    at = start

    def step(frm: str | None, to: str, action: str, actor: int, meta: dict[str, Any]) -> None:
        rows["tt"].append(
            {"ticket_id": tid, "from_status": frm, "to_status": to, "action": action,
             "actor_id": actor, "note": "", "metadata": meta, "created_at": at}
        )  # fmt: skip

    step(None, "new", "created", 1, {})
    at += timedelta(minutes=1)
    step("new", "assigned", "assigned", 2, {"technician_id": 3})
    status = "assigned"
    for cycle, outcome in enumerate(CYCLE_OUTCOMES):
        at += timedelta(minutes=1)
        step(status, "in_progress", "started", 3, {})
        sid = i * len(CYCLE_OUTCOMES) + cycle + 1
        events = [
            ("started", None, "running", at),
            ("paused", "running", "paused", at + timedelta(minutes=10)),
            ("resumed", "paused", "running", at + timedelta(minutes=15)),
            ("stopped", "running", "stopped", at + timedelta(minutes=25)),
        ]
        rows["ws"].append(
            {"id": sid, "ticket_id": tid, "technician_id": 3, "status": "stopped",
             "started_at": at, "last_started_at": at + timedelta(minutes=15),
             "ended_at": at + timedelta(minutes=25), "active_seconds": 20 * 60,
             "created_at": at, "updated_at": at + timedelta(minutes=25)}
        )  # fmt: skip
        for action, frm, to, when in events:
            rows["ev"].append(
                {"work_session_id": sid, "ticket_id": tid, "from_status": frm, "to_status": to,
                 "action": action, "actor_id": 3, "event_at": when, "metadata": {},
                 "created_at": when}
            )  # fmt: skip
        at += timedelta(minutes=26)
        step("in_progress", "waiting_qc", "to_waiting_qc", 3, {})
        at += timedelta(minutes=1)
        if outcome == "qc_fail":
            step("waiting_qc", "rework", "qc_fail", 4, {})
            status = "rework"
        else:
            meta = {"first_pass": False, "xp_base": 2, "xp_bonus": 0, "xp_paid": 2}
            step("waiting_qc", "done", "qc_pass", 4, meta)
            rows["xp"].append(
                {"user_id": 3, "amount": 2, "entry_type": "ticket_base_xp",
                 "reference": f"ticket_base_xp:{tid}", "description": "", "payload": {},
                 "created_at": at}
            )  # fmt: skip
    return rows


def _batches(tickets: int) -> Iterator[range]:
    for first in range(0, tickets, BATCH):
        yield range(first, min(first + BATCH, tickets))


def load(engine: Engine, tickets: int) -> None:
    """Bulk insert (executemany) the users and ``tickets`` finished tickets."""
    with engine.begin() as conn:
        for uid, (name, role) in enumerate(
            [("master", "master"), ("manager", "ops_manager"), ("tech", "technician"),
             ("qc", "qc_inspector")], start=1,
        ):  # fmt: skip
            conn.execute(
                insert(User).values(id=uid, username=name, first_name="", last_name="",
                                    password_hash="!", is_active=True, created_at=T0,  # noqa: S106
                                    updated_at=T0)
            )  # fmt: skip
            conn.execute(insert(UserRole).values(user_id=uid, role_slug=role))
    for ids in _batches(tickets):
        with engine.begin() as conn:
            conn.execute(
                insert(Bike),
                [{"id": i + 1, "bike_code": f"RM-{i:06d}", "status": "ready", "is_active": True,
                  "created_at": T0, "updated_at": T0} for i in ids],
            )  # fmt: skip
            merged: dict[str, list[dict[str, Any]]] = {k: [] for k in ("tt", "ws", "ev", "xp")}
            for i in ids:
                for kind, rows in _ticket_rows(i).items():
                    merged[kind] += rows
            passed = {
                t["ticket_id"]: t["created_at"] for t in merged["tt"] if t["action"] == "qc_pass"
            }
            conn.execute(
                insert(Ticket),
                [{"id": i + 1, "bike_id": i + 1, "master_id": 1, "technician_id": 3,
                  "title": "Service", "checklist_snapshot": CHECKLIST, "srt_total_minutes": 30,
                  "srt_approved_by_id": 1, "srt_approved_at": T0, "flag_minutes": 30,
                  "status": "done", "done_at": passed[i + 1], "created_at": T0, "updated_at": T0}
                 for i in ids],
            )  # fmt: skip
            conn.execute(insert(TicketTransition), merged["tt"])
            conn.execute(insert(WorkSession), merged["ws"])
            conn.execute(insert(WorkSessionEvent), merged["ev"])
            conn.execute(insert(XpEntry), merged["xp"])
    # The kept read models (ticket facts, daily rollups) follow from what was loaded.
    with engine.begin() as conn:
        rebuild(conn)


def measure(url: str, tickets: int, repeat: int) -> None:
    engine = create_db_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    load(engine, tickets)
    loaded = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    shop = Shop(engine)
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        report = verify_shop(shop)
        timings.append(time.perf_counter() - began)
    assert report.clean, report.drifts[:5]
    with engine.connect() as conn:
        transitions = conn.execute(text("SELECT COUNT(*) FROM ticket_transitions")).scalar()
        events = conn.execute(text("SELECT COUNT(*) FROM work_session_events")).scalar()
    print(
        f"{engine.dialect.name:<10} {tickets:>8,} tickets {transitions:>10,} transitions "
        f"{events:>10,} timer events   load {loaded:6.1f} s   "
        f"verify median {statistics.median(timings):6.2f} s (min {min(timings):.2f} s)"
    )
    shop.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="an empty PostgreSQL database URL to use instead")
    args = parser.parse_args()
    for tickets in args.tickets:
        if args.postgres:
            engine = create_db_engine(args.postgres)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
            measure(args.postgres, tickets, args.repeat)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                measure(f"sqlite:///{Path(tmp) / 'audit.sqlite3'}", tickets, args.repeat)


if __name__ == "__main__":
    main()
