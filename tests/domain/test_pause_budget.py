"""The daily pause budget: counted pauses, breaks free, an automatic resume, a local-day reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopfloor.domain import (
    ManualClock,
    RuleViolation,
    Shop,
    assign_ticket,
    derived_worked_seconds,
    pause_budget,
    pause_work_session,
    resume_work_session,
    set_timer_rules,
    settle_pause_budget,
    start_work_session,
    stop_work_session,
    work_session_history,
)

from ..conftest import T0, People
from ..factories import intake


@pytest.fixture
def ticket(shop: Shop, people: People) -> int:
    ticket = assign_ticket(shop, people.manager, intake(shop, people.master).id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    return ticket.id


def test_a_pause_past_the_budget_resumes_itself_at_the_moment_it_ran_out(
    shop: Shop, people: People, clock: ManualClock, ticket: int
) -> None:
    clock.advance(minutes=10)
    pause_work_session(shop, people.tech1, ticket, reason="tool_or_bay_busy")
    clock.advance(minutes=20)
    resume_work_session(shop, people.tech1, ticket)  # 20 of 30 minutes used
    clock.advance(minutes=10)
    pause_work_session(shop, people.tech1, ticket)  # unspecified counts too
    clock.advance(minutes=45)  # 10 minutes were left
    assert pause_budget(shop, people.tech1).used_seconds == 65 * 60
    resumed = settle_pause_budget(shop, people.tech1)
    assert resumed is not None
    assert resumed.status == "running"
    event = work_session_history(shop, ticket)[0]
    assert (event.action, event.event_at) == ("resumed", T0 + timedelta(minutes=50))
    assert (event.metadata["automatic"], event.metadata["reason"]) == (True, "pause_budget_used_up")
    budget = pause_budget(shop, people.tech1)
    assert (budget.used_seconds, budget.left_seconds, budget.ran_out_today) == (30 * 60, 0, True)
    stopped = stop_work_session(shop, people.tech1, ticket)
    assert stopped.active_seconds == (10 + 10 + 35) * 60  # the work after the budget ran out
    assert derived_worked_seconds(shop, stopped.id) == stopped.active_seconds


def test_the_next_timer_action_settles_the_budget_first(
    shop: Shop, people: People, clock: ManualClock, ticket: int
) -> None:
    pause_work_session(shop, people.tech1, ticket)
    clock.advance(hours=1)
    resumed = resume_work_session(shop, people.tech1, ticket)  # it already had, at 30 min
    assert (resumed.status, resumed.worked_seconds) == ("running", 30 * 60)
    assert [e.action for e in work_session_history(shop, ticket)] == [
        "resumed",
        "paused",
        "started",
    ]
    with pytest.raises(RuleViolation, match="pause budget") as err:
        pause_work_session(shop, people.tech1, ticket, reason="tool_or_bay_busy")
    assert err.value.field == "reason"
    assert pause_work_session(shop, people.tech1, ticket, reason="break").status == "paused"


def test_breaks_do_not_use_the_budget(
    shop: Shop, people: People, clock: ManualClock, ticket: int
) -> None:
    pause_work_session(shop, people.tech1, ticket, reason="break")
    clock.advance(hours=1)
    assert settle_pause_budget(shop, people.tech1) is None
    budget = pause_budget(shop, people.tech1)
    assert (budget.used_seconds, budget.ran_out_today) == (0, False)


def test_the_budget_resets_at_the_shops_local_midnight(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    set_timer_rules(shop, None, time_zone="Europe/Prague", pause_budget_minutes=20)
    clock.set(datetime(2026, 3, 2, 22, 0, tzinfo=UTC))  # 23:00 in Prague
    ticket = assign_ticket(shop, people.manager, intake(shop, people.master).id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    pause_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=15)
    resume_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=50)  # 23:05 UTC = 00:05 in Prague: a new day
    pause_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=10)
    assert settle_pause_budget(shop, people.tech1) is None  # 10 of a fresh 20 minutes
    assert pause_budget(shop, people.tech1).used_seconds == 600
