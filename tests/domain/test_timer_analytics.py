"""Efficiency against SRT per ticket, technician and day; pauses by reason; budget; parked."""

from __future__ import annotations

from datetime import date, timedelta

from shopfloor.domain import (
    ManualClock,
    Shop,
    assign_ticket,
    fleet_analytics,
    park_ticket,
    pause_work_session,
    qc_fail,
    qc_pass,
    resume_work_session,
    send_to_qc,
    start_work_session,
    team_analytics,
)
from shopfloor.domain.audit import verify_shop

from ..conftest import People
from ..factories import intake
from .test_rollups import kept, rebuilt


def test_team_analytics_add_efficiency_pauses_by_reason_and_the_budget(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    ticket = intake(shop, people.master, srt=45)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=20)
    pause_work_session(shop, people.tech1, ticket.id, reason="tool_or_bay_busy")
    clock.advance(minutes=10)
    resume_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=10)
    pause_work_session(shop, people.tech1, ticket.id, reason="break")
    clock.advance(minutes=15)
    resume_work_session(shop, people.tech1, ticket.id)
    send_to_qc(shop, people.tech1, ticket.id)
    qc_pass(shop, people.qc, ticket.id)

    team = team_analytics(shop, people.manager, days=2)
    [tech1] = [t for t in team.technicians if t.user_id == people.tech1]
    assert (tech1.worked_seconds_done, tech1.efficiency_percent) == (1800, 150.0)  # 45m SRT / 30m
    assert tech1.pause_seconds_by_reason == {"tool_or_bay_busy": 600, "break": 900}
    assert (tech1.pause_budget_used_seconds, tech1.pause_budget_ran_out) == (600, False)
    assert team.pauses_by_reason == {"tool_or_bay_busy": 600, "break": 900}
    [done] = team.efficiency_by_ticket
    assert (done.ticket, done.srt_minutes, done.worked_seconds, done.efficiency_percent) == (
        ticket.id,
        45,
        1800,
        150.0,
    )
    today = clock.now().date()
    assert [(d.day, d.tickets, d.efficiency_percent) for d in team.efficiency_by_day] == [
        (today - timedelta(days=1), 0, None),
        (today, 1, 150.0),
    ]
    assert isinstance(today, date)


def test_the_dashboard_counts_parked_tickets_and_who_ran_out_of_pauses(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    ticket = assign_ticket(shop, people.manager, intake(shop, people.master).id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    pause_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=40)
    park_ticket(shop, people.tech1, ticket.id)  # 40 of 30 minutes: over the budget
    assert fleet_analytics(shop, people.manager).tickets_parked == 1
    team = team_analytics(shop, people.manager)
    ran_out = {t.username: t.pause_budget_ran_out for t in team.technicians}
    assert ran_out == {"tech1": True, "tech2": False}


def test_after_a_rework_is_reassigned_the_new_technicians_efficiency_counts_only_their_time(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    ticket = intake(shop, people.master, srt=30).id
    assign_ticket(shop, people.manager, ticket, people.tech1)
    start_work_session(shop, people.tech1, ticket)
    clock.advance(minutes=40)
    send_to_qc(shop, people.tech1, ticket)
    qc_fail(shop, people.qc, ticket, note="Still squeaks")
    assign_ticket(shop, people.manager, ticket, people.tech2)  # the rework goes to tech2
    start_work_session(shop, people.tech2, ticket)
    clock.advance(minutes=20)
    send_to_qc(shop, people.tech2, ticket)
    qc_pass(shop, people.qc, ticket)

    team = {t.username: t for t in team_analytics(shop, people.manager).technicians}
    tech2 = team["tech2"]
    assert (tech2.done, tech2.srt_minutes_done, tech2.worked_seconds_done) == (1, 30, 20 * 60)
    assert tech2.efficiency_percent == 150.0  # 30 min SRT in their own 20 minutes
    assert (team["tech1"].worked_seconds, team["tech2"].worked_seconds) == (40 * 60, 20 * 60)
    assert verify_shop(shop).clean
    assert rebuilt(shop) == kept(shop)  # the audit recomputes the same from the history
