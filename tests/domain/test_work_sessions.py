"""The work-session timer: start, pause, resume, stop; worked time derived from history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shopfloor.domain import (
    ManualClock,
    PermissionDenied,
    RuleViolation,
    Shop,
    TransitionNotAllowed,
    assign_ticket,
    current_work_session,
    derived_worked_seconds,
    get_ticket,
    list_work_sessions,
    pause_work_session,
    resume_work_session,
    send_to_qc,
    start_work_session,
    stop_work_session,
    work_session_history,
    worked_seconds_since,
)
from shopfloor.domain.views import TicketView

from ..conftest import T0, People
from ..factories import intake


def assigned(
    shop: Shop, people: People, code: str = "RM-0001", tech: int | None = None
) -> TicketView:
    ticket = intake(shop, people.master, code)
    return assign_ticket(shop, people.manager, ticket.id, tech or people.tech1)


def test_starting_the_timer_on_an_assigned_ticket_starts_the_ticket(
    shop: Shop, people: People
) -> None:
    ticket = assigned(shop, people)
    session = start_work_session(shop, people.tech1, ticket.id)
    assert (session.status, session.technician, session.started_at) == ("running", people.tech1, T0)
    assert get_ticket(shop, ticket.id).status == "in_progress"


def test_pause_resume_stop_bank_exactly_the_running_time(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    ticket = assigned(shop, people)
    session = start_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=10)
    assert pause_work_session(shop, people.tech1, ticket.id).active_seconds == 600
    clock.advance(minutes=30)  # a break does not count
    assert resume_work_session(shop, people.tech1, ticket.id).active_seconds == 600
    clock.advance(minutes=5)
    live = current_work_session(shop, ticket.id)
    assert live is not None
    assert (live.status, live.active_seconds, live.worked_seconds) == ("running", 600, 900)
    stopped = stop_work_session(shop, people.tech1, ticket.id)
    assert (stopped.status, stopped.active_seconds, stopped.ended_at) == (
        "stopped",
        900,
        T0 + timedelta(minutes=45),
    )
    assert derived_worked_seconds(shop, session.id) == 900
    assert get_ticket(shop, ticket.id).status == "in_progress"  # stop ends the session only
    assert current_work_session(shop, ticket.id) is None
    history = work_session_history(shop, ticket.id)
    assert [(e.action, e.from_status, e.to_status) for e in history] == [
        ("stopped", "running", "stopped"),
        ("resumed", "paused", "running"),
        ("paused", "running", "paused"),
        ("started", None, "running"),
    ]


def test_worked_time_of_a_running_timer_survives_a_restart(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    """Nothing is kept in memory: a fresh read derives the running time from history."""
    ticket = assigned(shop, people)
    start_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=7)
    fresh = Shop(shop.engine, clock=clock)
    assert get_ticket(fresh, ticket.id).worked_seconds == 420
    session = current_work_session(fresh, ticket.id)
    assert session is not None
    assert session.worked_seconds == 420


def test_send_to_qc_stops_an_open_timer_so_no_time_is_lost(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    ticket = assigned(shop, people)
    session = start_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=25)
    sent = send_to_qc(shop, people.tech1, ticket.id)
    assert sent.status == "waiting_qc"
    assert sent.worked_seconds == 1500
    (only,) = list_work_sessions(shop, ticket.id)
    assert (only.status, only.active_seconds) == ("stopped", 1500)
    assert derived_worked_seconds(shop, session.id) == 1500
    stop = work_session_history(shop, ticket.id)[0]
    assert (stop.action, stop.metadata) == ("stopped", {"reason": "sent_to_qc"})


def test_paused_timer_is_stopped_on_send_to_qc_without_counting_the_pause(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    ticket = assigned(shop, people)
    start_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=10)
    pause_work_session(shop, people.tech1, ticket.id, reason="break")  # beyond the budget
    clock.advance(hours=2)
    assert send_to_qc(shop, people.tech1, ticket.id).worked_seconds == 600


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (pause_work_session, "Cannot pause the timer on ticket .*: start a work session first"),
        (resume_work_session, "Cannot resume the timer .*: start a work session first"),
        (stop_work_session, "Cannot stop the timer .*: start a work session first"),
    ],
)
def test_timer_actions_without_a_session_are_refused(
    shop: Shop, people: People, action: object, message: str
) -> None:
    ticket = assigned(shop, people)
    with pytest.raises(TransitionNotAllowed, match=message):
        action(shop, people.tech1, ticket.id)  # type: ignore[operator]


def test_invalid_timer_steps_are_refused(shop: Shop, people: People) -> None:
    ticket = assigned(shop, people)
    start_work_session(shop, people.tech1, ticket.id)
    with pytest.raises(TransitionNotAllowed, match="already running; pause or stop it"):
        resume_work_session(shop, people.tech1, ticket.id)
    with pytest.raises(TransitionNotAllowed, match="already running"):
        start_work_session(shop, people.tech1, ticket.id)
    pause_work_session(shop, people.tech1, ticket.id)
    with pytest.raises(TransitionNotAllowed, match="is paused; resume or stop it"):
        pause_work_session(shop, people.tech1, ticket.id)


def test_one_open_session_per_technician(shop: Shop, people: People) -> None:
    first = assigned(shop, people, "RM-0001")
    second = assigned(shop, people, "RM-0002")
    start_work_session(shop, people.tech1, first.id)
    with pytest.raises(RuleViolation, match=f"open timer on ticket #{first.id}"):
        start_work_session(shop, people.tech1, second.id)
    assert get_ticket(shop, second.id).status == "assigned"  # nothing half-written


def test_timer_on_a_new_or_waiting_ticket_is_refused(shop: Shop, people: People) -> None:
    fresh = intake(shop, people.master, "RM-0003")
    with pytest.raises(PermissionDenied, match="has no technician yet"):
        start_work_session(shop, people.tech1, fresh.id)
    ticket = assigned(shop, people)
    start_work_session(shop, people.tech1, ticket.id)
    send_to_qc(shop, people.tech1, ticket.id)
    with pytest.raises(TransitionNotAllowed, match="it is waiting_qc"):
        start_work_session(shop, people.tech1, ticket.id)


def test_timer_belongs_to_the_assigned_technician(shop: Shop, people: People) -> None:
    ticket = assigned(shop, people)
    with pytest.raises(PermissionDenied, match="assigned to another technician"):
        start_work_session(shop, people.tech2, ticket.id)
    with pytest.raises(PermissionDenied, match="may not work on tickets"):
        start_work_session(shop, people.qc, ticket.id)
    session = start_work_session(shop, people.admin, ticket.id)
    assert session.technician == people.tech1
    assert work_session_history(shop, ticket.id)[0].actor == people.admin


def test_several_sessions_add_up(shop: Shop, people: People, clock: ManualClock) -> None:
    ticket = assigned(shop, people)
    for minutes in (5, 12, 3):
        start_work_session(shop, people.tech1, ticket.id)
        clock.advance(minutes=minutes)
        stop_work_session(shop, people.tech1, ticket.id)
        clock.advance(minutes=60)
    sessions = list_work_sessions(shop, ticket.id)
    assert [s.active_seconds for s in sessions] == [300, 720, 180]
    assert [derived_worked_seconds(shop, s.id) for s in sessions] == [300, 720, 180]
    assert get_ticket(shop, ticket.id).worked_seconds == 1200


def test_worked_seconds_since_clips_to_the_window(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    ticket = assigned(shop, people)
    clock.set(T0.replace(hour=23, minute=50))
    start_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=30)  # runs past midnight
    midnight = T0.replace(hour=0) + timedelta(days=1)
    assert worked_seconds_since(shop, people.tech1, midnight) == 20 * 60  # still running
    pause_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=10)
    assert worked_seconds_since(shop, people.tech1, midnight) == 20 * 60
    assert worked_seconds_since(shop, people.tech1, T0) == 30 * 60
    assert worked_seconds_since(shop, people.tech2, T0) == 0


def test_fractional_clock_readings_never_make_the_three_derivations_disagree(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    """Cache, event history and the SQL aggregation agree to the second."""
    ticket = assigned(shop, people)
    clock.set(T0 + timedelta(seconds=0.9))
    session = start_work_session(shop, people.tech1, ticket.id)
    for step in (1.2, 0.7, 2.6, 0.5):
        clock.advance(step)
        pause_work_session(shop, people.tech1, ticket.id)
        clock.advance(0.45)
        resume_work_session(shop, people.tech1, ticket.id)
    clock.advance(3.3)
    stopped = stop_work_session(shop, people.tech1, ticket.id)
    derived = derived_worked_seconds(shop, session.id)
    in_sql = worked_seconds_since(shop, people.tech1, T0)
    assert stopped.active_seconds == derived == in_sql == get_ticket(shop, ticket.id).worked_seconds
