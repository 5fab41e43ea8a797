"""The daily pause budget: counted pauses, breaks and time away free, a live resume at the
terminal (never back-dated, never while nobody watches), a local-day reset."""

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


def test_a_pause_resumes_itself_when_the_budget_runs_out_while_the_terminal_watches(
    shop: Shop, people: People, clock: ManualClock, ticket: int
) -> None:
    clock.advance(minutes=10)
    pause_work_session(shop, people.tech1, ticket, reason="tool_or_bay_busy")
    clock.advance(minutes=20)
    resume_work_session(shop, people.tech1, ticket)  # 20 of 30 minutes used
    clock.advance(minutes=10)
    pause_work_session(shop, people.tech1, ticket)  # unspecified counts too
    clock.advance(minutes=9)
    budget = pause_budget(shop, people.tech1)
    assert budget.runs_out_at == T0 + timedelta(minutes=50)  # 10 minutes were left
    assert settle_pause_budget(shop, people.tech1) is None  # not yet
    clock.advance(minutes=1, seconds=1)  # the technician's terminal reads it a second late
    resumed = settle_pause_budget(shop, people.tech1)
    assert resumed is not None
    assert resumed.status == "running"
    event = work_session_history(shop, ticket)[0]
    # Resumed when it was seen, never back-dated.
    assert (event.action, event.event_at) == ("resumed", T0 + timedelta(minutes=50, seconds=1))
    assert (event.metadata["automatic"], event.metadata["reason"]) == (True, "pause_budget_used_up")
    budget = pause_budget(shop, people.tech1)
    assert (budget.used_seconds, budget.left_seconds, budget.ran_out_today) == (
        30 * 60 + 1,
        0,
        True,
    )
    clock.advance(minutes=5)
    stopped = stop_work_session(shop, people.tech1, ticket)
    assert stopped.active_seconds == (10 + 10 + 5) * 60
    assert derived_worked_seconds(shop, stopped.id) == stopped.active_seconds


def test_a_pause_nobody_watched_run_out_stays_a_pause_and_books_no_work(
    shop: Shop, people: People, clock: ManualClock, ticket: int
) -> None:
    """Logged out, locked or the terminal off when the budget ran out: nobody was there."""
    pause_work_session(shop, people.tech1, ticket, reason="tool_or_bay_busy")
    clock.advance(hours=1)
    assert settle_pause_budget(shop, people.tech1) is None
    budget = pause_budget(shop, people.tech1)
    assert (budget.used_seconds, budget.ran_out_today) == (3600, True)
    resumed = resume_work_session(shop, people.tech1, ticket)  # back, by hand
    assert (resumed.status, resumed.worked_seconds) == ("running", 0)
    assert [e.action for e in work_session_history(shop, ticket)] == [
        "resumed",
        "paused",
        "started",
    ]
    assert work_session_history(shop, ticket)[0].metadata == {}
    with pytest.raises(RuleViolation, match="pause budget") as err:
        pause_work_session(shop, people.tech1, ticket, reason="tool_or_bay_busy")
    assert err.value.field == "reason"
    assert pause_work_session(shop, people.tech1, ticket, reason="break").status == "paused"


def test_time_away_never_counts_and_never_resumes_even_with_the_budget_used_up(
    shop: Shop, people: People, clock: ManualClock, ticket: int
) -> None:
    pause_work_session(shop, people.tech1, ticket, reason="customer_or_manager")
    clock.advance(minutes=30)
    assert settle_pause_budget(shop, people.tech1) is not None  # used up, seen at the terminal
    clock.advance(minutes=5)
    away = pause_work_session(shop, people.tech1, ticket, reason="away")  # pause and log out
    assert away.status == "paused"
    event = work_session_history(shop, ticket)[0]
    assert (event.metadata["reason"], event.metadata["reason_label"]) == ("away", "Logged out")
    clock.advance(hours=3)
    assert settle_pause_budget(shop, people.tech1) is None
    budget = pause_budget(shop, people.tech1)
    assert (budget.used_seconds, budget.runs_out_at) == (30 * 60, None)
    back = resume_work_session(shop, people.tech1, ticket)
    assert back.worked_seconds == 5 * 60  # only the five minutes between the pauses


def test_away_is_the_shops_own_reason_and_cannot_be_redefined(shop: Shop, people: People) -> None:
    from shopfloor.domain import PauseReason, ValidationFailed

    with pytest.raises(ValidationFailed, match="'away'"):
        set_timer_rules(shop, None, pause_reasons=[PauseReason("away", "Gone", True)])


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


def test_a_rule_change_from_the_command_line_moves_the_change_marker(
    shop: Shop, people: People
) -> None:
    """SQLite terminals re-read when the marker moves (PostgreSQL's triggers notify)."""
    from shopfloor.domain import change_marker

    before = change_marker(shop)
    set_timer_rules(shop, None, pause_budget_minutes=45)
    after = change_marker(shop)
    assert after != before
    set_timer_rules(shop, None, shift_end="18:30")
    assert change_marker(shop) not in (before, after)


def test_logging_out_while_paused_makes_the_rest_of_the_pause_time_away(
    shop: Shop, people: People, clock: ManualClock, ticket: int
) -> None:
    from shopfloor.domain import pause_for_time_away
    from shopfloor.domain.audit import verify_shop

    pause_work_session(shop, people.tech1, ticket, reason="waiting_for_parts")
    clock.advance(minutes=10)
    away = pause_for_time_away(shop, people.tech1, ticket)  # logs out, timer paused
    assert away is not None
    assert away.status == "paused"
    event = work_session_history(shop, ticket)[0]
    assert (event.from_status, event.to_status) == ("paused", "paused")
    assert (event.metadata["reason"], event.metadata["was"]) == ("away", "waiting_for_parts")
    assert pause_for_time_away(shop, people.tech1, ticket) is None  # away already
    clock.advance(hours=3)
    budget = pause_budget(shop, people.tech1)
    assert (budget.used_seconds, budget.ran_out_today, budget.runs_out_at) == (600, False, None)
    assert settle_pause_budget(shop, people.tech1) is None
    assert resume_work_session(shop, people.tech1, ticket).worked_seconds == 0
    assert verify_shop(shop).clean  # the pause days and the cached facts agree


def test_logging_out_with_the_timer_running_pauses_it_as_time_away(
    shop: Shop, people: People, clock: ManualClock, ticket: int
) -> None:
    from shopfloor.domain import pause_for_time_away

    clock.advance(minutes=25)
    away = pause_for_time_away(shop, people.tech1, ticket)
    assert away is not None
    assert (away.status, away.worked_seconds) == ("paused", 25 * 60)
    event = work_session_history(shop, ticket)[0]
    assert (event.from_status, event.metadata["reason_label"]) == ("running", "Logged out")
    assert "was" not in event.metadata
