"""Team analytics reads every technician's pause budget at once: a bigger team costs no
more statements, and each budget is the one the technician's own screen shows."""

from __future__ import annotations

from shopfloor.domain import (
    ManualClock,
    Shop,
    assign_ticket,
    create_user,
    pause_budget,
    pause_work_session,
    resume_work_session,
    send_to_qc,
    start_work_session,
    team_analytics,
)

from ..conftest import People
from ..factories import intake
from ..statements import StatementCounter


def pause_for(
    shop: Shop, people: People, clock: ManualClock, tech: int, code: str, minutes: int
) -> int:
    """A ticket for ``tech``, started, paused for ``minutes``, resumed and sent to QC."""
    ticket = intake(shop, people.master, code).id
    assign_ticket(shop, people.manager, ticket, tech)
    start_work_session(shop, tech, ticket)
    clock.advance(minutes=2)
    pause_work_session(shop, tech, ticket, reason="tool_or_bay_busy")
    clock.advance(minutes=minutes)
    resume_work_session(shop, tech, ticket)
    send_to_qc(shop, tech, ticket)
    return ticket


def test_adding_technicians_adds_no_statement_to_team_analytics(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    counter = StatementCounter(shop.engine)
    pause_for(shop, people, clock, people.tech1, "RM-0001", 5)
    small_team = counter.measure(lambda: team_analytics(shop, people.manager, days=30))[1]
    statements = small_team.statements  # the tally counts on until the next measure
    for n in range(4):
        tech = create_user(shop, None, f"extra{n}", "pw-12345", roles=["technician"]).id
        pause_for(shop, people, clock, tech, f"RM-010{n}", 3 + n)
    _, big_team = counter.measure(lambda: team_analytics(shop, people.manager, days=30))
    assert big_team.statements == statements


def test_each_technicians_budget_in_team_analytics_is_their_own_budget(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    pause_for(shop, people, clock, people.tech1, "RM-0001", 12)
    pause_for(shop, people, clock, people.tech2, "RM-0002", 7)
    # tech2 is left paused on a second ticket: counted up to now.
    ticket = intake(shop, people.master, "RM-0003").id
    assign_ticket(shop, people.manager, ticket, people.tech2)
    start_work_session(shop, people.tech2, ticket)
    pause_work_session(shop, people.tech2, ticket, reason="tool_or_bay_busy")
    clock.advance(minutes=4)
    team = team_analytics(shop, people.manager, days=1)
    for stats in team.technicians:
        own = pause_budget(shop, stats.user_id)
        assert (stats.pause_budget_used_seconds, stats.pause_budget_ran_out) == (
            own.used_seconds,
            own.ran_out_today,
        ), stats.username
    by_id = {s.user_id: s for s in team.technicians}
    assert by_id[people.tech1].pause_budget_used_seconds == 12 * 60
    assert by_id[people.tech2].pause_budget_used_seconds == (7 + 4) * 60
