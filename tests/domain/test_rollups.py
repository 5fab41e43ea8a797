"""The kept read models agree with the history: a realistic mixed history driven through the
use cases leaves exactly what recomputing them from the audit tables gives, on both databases.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, select, update

from shopfloor.domain import (
    ManualClock,
    Shop,
    assign_ticket,
    get_ticket,
    list_tickets,
    park_ticket,
    pause_work_session,
    qc_fail,
    qc_pass,
    resume_work_session,
    send_to_qc,
    set_timer_rules,
    start_work_session,
    stop_work_session,
    team_analytics,
)
from shopfloor.domain.audit import verify_shop
from shopfloor.domain.models import (
    BikeStatusCount,
    PauseDay,
    TechnicianDay,
    Ticket,
    TicketStatusCount,
    WorkSession,
)
from shopfloor.domain.rollups import rebuild

from ..conftest import People
from ..factories import intake

LATE = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Prague; its midnight is 23:00 UTC
PRAGUE_MARCH_2, PRAGUE_MARCH_3 = date(2026, 3, 2), date(2026, 3, 3)


def mixed_history(shop: Shop, people: People, clock: ManualClock) -> dict[str, int]:
    """Over midnight, a QC fail and rework, pauses, a park, a reassignment, open timers."""
    set_timer_rules(shop, None, time_zone="Europe/Prague")
    clock.set(LATE)
    a = intake(shop, people.master, "RM-0001", srt=60).id
    b = intake(shop, people.master, "RM-0002", srt=30).id
    c = intake(shop, people.master, "RM-0003").id
    intake(shop, people.master, "RM-0004")  # stays new
    assign_ticket(shop, people.manager, a, people.tech1)
    start_work_session(shop, people.tech1, a)
    clock.advance(hours=1)  # over the shop's midnight
    pause_work_session(shop, people.tech1, a, reason="tool_or_bay_busy")
    clock.advance(minutes=10)
    resume_work_session(shop, people.tech1, a)
    clock.advance(minutes=20)
    send_to_qc(shop, people.tech1, a)
    qc_fail(shop, people.qc, a, note="Rear brake still rubs")
    start_work_session(shop, people.tech1, a)
    clock.advance(minutes=15)
    send_to_qc(shop, people.tech1, a)
    qc_pass(shop, people.qc, a)

    assign_ticket(shop, people.manager, b, people.tech2)
    start_work_session(shop, people.tech2, b)
    clock.advance(minutes=5)
    park_ticket(shop, people.tech2, b)
    assign_ticket(shop, people.manager, b, people.tech1)  # reassigned while parked
    start_work_session(shop, people.tech1, b)
    clock.advance(minutes=7)
    pause_work_session(shop, people.tech1, b, reason="break")
    clock.advance(minutes=5)
    resume_work_session(shop, people.tech1, b)
    clock.advance(minutes=3)
    stop_work_session(shop, people.tech1, b)
    start_work_session(shop, people.tech1, b)  # left running

    assign_ticket(shop, people.manager, c, people.tech2)
    start_work_session(shop, people.tech2, c)
    clock.advance(minutes=4)
    pause_work_session(shop, people.tech2, c, reason="tool_or_bay_busy")  # left paused
    clock.advance(minutes=6)
    return {"a": a, "b": b, "c": c}


def kept(shop: Shop) -> dict[str, Any]:
    """Everything the use cases keep for fast reads, as plain values."""
    with shop.engine.connect() as conn:
        facts = conn.execute(
            select(
                Ticket.id,
                Ticket.qc_fail_count,
                Ticket.latest_qc_note,
                Ticket.parked_reason,
                Ticket.worked_seconds,
                Ticket.running_since,
            ).order_by(Ticket.id)
        ).all()
        return {
            "facts": [tuple(r) for r in facts],
            "pause_reasons": conn.execute(
                select(WorkSession.id, WorkSession.pause_reason).order_by(WorkSession.id)
            ).all(),
            "counts": {
                s: n
                for s, n in conn.execute(
                    select(TicketStatusCount.status, TicketStatusCount.tickets)
                )
                if n
            },
            "bikes": sorted(tuple(r) for r in conn.execute(select(BikeStatusCount))),
            "days": sorted(tuple(r) for r in conn.execute(select(TechnicianDay))),
            "pauses": sorted(tuple(r) for r in conn.execute(select(PauseDay))),
        }


def rebuilt(shop: Shop) -> dict[str, Any]:
    with shop.engine.begin() as conn:
        rebuild(conn)
    return kept(shop)


def test_what_the_use_cases_keep_is_what_the_history_recomputes(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    mixed_history(shop, people, clock)
    maintained = kept(shop)
    assert verify_shop(shop).clean
    assert rebuilt(shop) == maintained


def tech1_worked_by_day(shop: Shop, people: People) -> dict[date, int]:
    with shop.engine.connect() as conn:
        return dict(
            conn.execute(
                select(TechnicianDay.day, TechnicianDay.worked_seconds).where(
                    TechnicianDay.technician_id == people.tech1
                )
            ).all()
        )


def test_worked_time_over_midnight_counts_on_each_local_day(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    mixed_history(shop, people, clock)
    worked = tech1_worked_by_day(shop, people)
    # 22:30-23:00 UTC is 2 March in Prague; the rest of the night is 3 March there.
    assert worked[PRAGUE_MARCH_2] == 30 * 60
    assert worked[PRAGUE_MARCH_3] == (30 + 20 + 15 + 7 + 3) * 60


def test_ticket_views_and_counts_read_the_kept_facts(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    t = mixed_history(shop, people, clock)
    a, b, c = (get_ticket(shop, t[k]) for k in "abc")
    assert (a.qc_fail_count, a.latest_qc_note, a.worked_seconds) == (
        1,
        "Rear brake still rubs",
        (60 + 20 + 15) * 60,
    )
    assert b.parked_reason is None  # reassigned and started since it was parked
    assert b.worked_seconds == (5 + 7 + 3 + 10) * 60  # 10 of them on the timer still running
    assert c.worked_seconds == 4 * 60
    page = list_tickets(shop, per_page=2)
    assert page.total_count == 4
    assert list_tickets(shop, status="in_progress").total_count == 2
    assert list_tickets(shop, status="done,new").total_count == 2
    assert list_tickets(shop, technician_id=people.tech1).total_count == 2


def test_changing_the_time_zone_recuts_the_days_at_the_new_midnight(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    mixed_history(shop, people, clock)
    set_timer_rules(shop, None, time_zone="UTC")
    assert verify_shop(shop).clean
    # In UTC everything up to 00:00 is on 2 March: 60 + 20 minutes run (10 paused).
    assert tech1_worked_by_day(shop, people)[PRAGUE_MARCH_2] == (60 + 20) * 60
    team = team_analytics(shop, people.manager, days=1)
    [tech1] = [s for s in team.technicians if s.user_id == people.tech1]
    assert tech1.done == 1  # passed at 00:15 UTC on 3 March


def bump_worked(conn: Connection) -> str:
    conn.execute(
        update(TechnicianDay)
        .where(TechnicianDay.day == PRAGUE_MARCH_3)
        .values(worked_seconds=TechnicianDay.worked_seconds + 60)
    )
    return "technician_day"


def forget_a_fail(conn: Connection) -> str:
    conn.execute(update(Ticket).where(Ticket.qc_fail_count > 0).values(qc_fail_count=0))
    return "ticket_fact"


def miscount_new(conn: Connection) -> str:
    conn.execute(
        update(TicketStatusCount)
        .where(TicketStatusCount.status == "new")
        .values(tickets=TicketStatusCount.tickets + 5)
    )
    return "status_count"


def shorten_a_pause(conn: Connection) -> str:
    conn.execute(update(PauseDay).values(seconds=PauseDay.seconds - 1))
    return "pause_day"


@pytest.mark.parametrize(
    "inject",
    [bump_worked, forget_a_fail, miscount_new, shorten_a_pause],
    ids=["worked rollup", "ticket fact", "status counter", "pause rollup"],
)
def test_audit_reports_drift_of_the_kept_read_models_and_rebuild_fixes_it(
    shop: Shop, people: People, clock: ManualClock, inject: Callable[[Connection], str]
) -> None:
    mixed_history(shop, people, clock)
    with shop.engine.begin() as conn:
        kind = inject(conn)
    report = verify_shop(shop)
    assert report.drifts == ()  # the history's own caches are fine
    assert report.derived_drifts
    assert {d.kind for d in report.derived_drifts} == {kind}
    assert not report.clean
    assert "rollups drifted" in report.summary()
    with shop.engine.begin() as conn:
        rebuild(conn)
    assert verify_shop(shop).clean
