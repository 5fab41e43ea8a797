"""audit verify: the demo shop agrees with its history, and each kind of drift is caught.

Drifts are made the only way they can be: raw SQL on the mutable tables (or an extra
row in the append-only ledger), behind the domain's back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from shopfloor.demo import build_demo
from shopfloor.domain import Shop
from shopfloor.domain.audit import verify_shop
from shopfloor.domain.models import Bike, Ticket, WorkSession, XpEntry

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def ticket_in(conn: Connection, status: str) -> int:
    return int(conn.scalar(select(func.min(Ticket.id)).where(Ticket.status == status)) or 0)


def done_to_waiting(conn: Connection) -> str:
    tid = ticket_in(conn, "waiting_qc")
    conn.execute(update(Ticket).where(Ticket.id == tid).values(status="done"))
    return f"ticket {tid}"


def padded_timer(conn: Connection) -> str:
    sid = conn.scalar(select(func.min(WorkSession.id)).where(WorkSession.status == "stopped"))
    conn.execute(
        update(WorkSession)
        .where(WorkSession.id == sid)
        .values(active_seconds=WorkSession.active_seconds + 600)
    )
    return f"work session {sid}"


def stopped_running_timer(conn: Connection) -> str:
    sid = conn.scalar(select(WorkSession.id).where(WorkSession.status == "running"))
    conn.execute(update(WorkSession).where(WorkSession.id == sid).values(status="stopped"))
    return f"work session {sid}"


def bike_back_to_ready_mid_repair(conn: Connection) -> str:
    bike_id = conn.scalar(select(Ticket.bike_id).where(Ticket.status == "in_progress"))
    conn.execute(update(Bike).where(Bike.id == bike_id).values(status="ready"))
    return f"bike {conn.scalar(select(Bike.bike_code).where(Bike.id == bike_id))}"


def xp_paid_before_qc(conn: Connection) -> str:
    tid = ticket_in(conn, "waiting_qc")
    tech = conn.scalar(select(Ticket.technician_id).where(Ticket.id == tid))
    conn.execute(
        insert(XpEntry).values(
            user_id=tech,
            amount=3,
            entry_type="ticket_base_xp",
            reference=f"ticket_base_xp:{tid}",
            description="slipped in",
            payload={},
            created_at=NOW,
        )
    )
    return f"ticket {tid}"


@pytest.fixture
def demo_shop(shop: Shop) -> Shop:
    build_demo(shop, NOW)
    return shop


def test_the_demo_shop_agrees_with_its_history(demo_shop: Shop) -> None:
    report = verify_shop(demo_shop)
    assert report.drifts == ()
    assert report.tickets == 28
    assert report.summary().startswith("Audit clean: 28 tickets, ")


@pytest.mark.parametrize(
    ("inject", "kind", "says"),
    [
        (done_to_waiting, "ticket_status", "ticket_status is done, the history says waiting_qc"),
        (padded_timer, "work_session_total", "s, the history says "),
        (stopped_running_timer, "work_session_status", "is stopped, the history says running"),
        (bike_back_to_ready_mid_repair, "bike_status", "is ready, the history says in_service"),
        (xp_paid_before_qc, "xp", "3 XP paid, the history says 0 XP"),
    ],
    ids=["ticket status", "timer total", "timer status", "bike status", "xp"],
)
def test_each_kind_of_drift_is_reported_with_its_subject(
    demo_shop: Shop, inject: Callable[[Connection], str], kind: str, says: str
) -> None:
    with demo_shop.engine.begin() as conn:
        subject = inject(conn)
    report = verify_shop(demo_shop)
    assert [(d.kind, d.subject) for d in report.drifts] == [(kind, subject)]
    assert says in str(report.drifts[0])
    assert not report.clean
    assert report.summary().startswith("Audit found 1 drift(s) in 28 tickets")
