"""No forgotten timer: the shift's end in the shop's zone, ``stale`` timers, automatic stops."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from shopfloor.domain import (
    ManualClock,
    PermissionDenied,
    Shop,
    ValidationFailed,
    assign_ticket,
    derived_worked_seconds,
    list_work_sessions,
    pause_work_session,
    set_timer_rules,
    stale_timers,
    start_work_session,
    stop_at_shift_end,
    stop_stale_timers,
    work_session_history,
)
from shopfloor.domain.models import Ticket
from shopfloor.domain.worktime import local_day_start, next_shift_end

from ..conftest import T0, People
from ..factories import intake

# T0 is 08:00 UTC = 09:00 in Prague (winter); the shift ends 20:00 Prague = 19:00 UTC.
SHIFT_END_UTC = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)


@pytest.fixture
def running(shop: Shop, people: People) -> int:
    set_timer_rules(shop, None, shift_end="20:00", time_zone="Europe/Prague")
    ticket = assign_ticket(shop, people.manager, intake(shop, people.master).id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    return ticket.id


def test_the_shift_end_and_the_day_are_the_shops_local_ones() -> None:
    morning = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Prague
    assert next_shift_end(morning, time(20, 0), "Europe/Prague") == SHIFT_END_UTC
    evening = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Prague: tomorrow's
    assert next_shift_end(evening, time(20, 0), "Europe/Prague") == SHIFT_END_UTC + timedelta(
        days=1
    )
    assert local_day_start(evening, "Europe/Prague") == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    assert local_day_start(evening, "America/New_York") == datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


def test_a_timer_left_running_past_the_shift_is_listed_then_stopped_at_the_shifts_end(
    shop: Shop, people: People, clock: ManualClock, running: int
) -> None:
    clock.set(datetime(2026, 3, 3, 6, 0, tzinfo=UTC))  # the next morning
    [stale] = stale_timers(shop, people.manager)
    assert (stale.ticket, stale.causes, stale.stop_at) == (
        running,
        ("past_shift_end",),
        SHIFT_END_UTC,
    )

    [stopped] = stop_stale_timers(shop, people.manager)
    assert stopped.ticket == running
    [session] = list_work_sessions(shop, running)
    assert (session.status, session.ended_at) == ("stopped", SHIFT_END_UTC)
    assert session.active_seconds == 11 * 3600  # 08:00 to 19:00 UTC, not the night
    assert derived_worked_seconds(shop, session.id) == 11 * 3600
    event = work_session_history(shop, running)[0]
    assert (event.action, event.event_at) == ("stopped", SHIFT_END_UTC)
    assert event.metadata["automatic"] is True
    assert event.metadata["causes"] == ["past_shift_end"]
    assert stale_timers(shop, people.manager) == []


def test_a_timer_touched_after_the_shift_end_is_not_forgotten(
    shop: Shop, people: People, clock: ManualClock, running: int
) -> None:
    clock.set(SHIFT_END_UTC + timedelta(minutes=30))
    pause_work_session(shop, people.tech1, running, reason="break")
    clock.advance(hours=1)
    assert stale_timers(shop, people.manager) == []
    assert [t.causes for t in stale_timers(shop, people.manager, timedelta(minutes=30))] == [
        ("idle",)
    ]


def test_a_timer_on_a_ticket_no_longer_in_progress_is_stopped_at_its_last_activity(
    shop: Shop, people: People, clock: ManualClock, running: int, db_url: str
) -> None:
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:  # data from before the rule, or written by hand
        conn.execute(sa.update(Ticket).where(Ticket.id == running).values(status="waiting_qc"))
    engine.dispose()
    clock.advance(hours=1)
    [listed] = stale_timers(shop, None)
    assert (listed.stop_at, listed.stops_where) == (T0, "its last activity")
    [stopped] = stop_stale_timers(shop, None)
    assert stopped.causes == ("ticket_not_in_progress",)
    [session] = list_work_sessions(shop, running)
    assert (session.ended_at, session.active_seconds) == (T0, 0)
    assert work_session_history(shop, running)[0].metadata["stopped_at"] == "last_activity"


def test_a_timer_forgotten_overnight_without_a_shift_end_books_no_night(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    ticket = assign_ticket(shop, people.manager, intake(shop, people.master).id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    clock.advance(hours=2)
    pause_work_session(shop, people.tech1, ticket.id, reason="break")  # last touched 10:00
    clock.advance(hours=14)  # the next morning
    [stopped] = stop_stale_timers(shop, people.manager, timedelta(hours=12))
    assert (stopped.causes, stopped.stop_at) == (("idle",), T0 + timedelta(hours=2))
    [session] = list_work_sessions(shop, ticket.id)
    assert (session.ended_at, session.active_seconds) == (T0 + timedelta(hours=2), 2 * 3600)


def test_stopping_forgotten_timers_now_is_there_when_asked_for(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    ticket = assign_ticket(shop, people.manager, intake(shop, people.master).id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    clock.advance(hours=13)
    [stopped] = stop_stale_timers(shop, people.manager, timedelta(hours=12), at_now=True)
    assert (stopped.stop_at, stopped.stops_where) == (T0 + timedelta(hours=13), "now")
    [session] = list_work_sessions(shop, ticket.id)
    assert session.active_seconds == 13 * 3600
    assert "at now" in work_session_history(shop, ticket.id)[0].metadata["message"]


def test_unanswered_still_working_stops_the_timer_at_the_shifts_end(
    shop: Shop, people: People, clock: ManualClock, running: int
) -> None:
    clock.set(SHIFT_END_UTC - timedelta(minutes=1))
    assert stop_at_shift_end(shop, people.tech1, running) is None  # the shift has not ended
    clock.set(SHIFT_END_UTC + timedelta(minutes=20))
    stopped = stop_at_shift_end(shop, people.tech1, running)
    assert stopped is not None
    assert (stopped.status, stopped.ended_at, stopped.active_seconds) == (
        "stopped",
        SHIFT_END_UTC,
        11 * 3600,
    )
    event = work_session_history(shop, running)[0]
    assert event.metadata["reason"] == "shift_end"
    assert "20:00" in event.metadata["message"]
    assert event.metadata["automatic"] is True
    assert "nobody answered" in event.metadata["message"]


def test_answering_no_to_still_working_is_recorded_as_the_technicians_answer(
    shop: Shop, people: People, clock: ManualClock, running: int
) -> None:
    clock.set(SHIFT_END_UTC + timedelta(minutes=2))
    stopped = stop_at_shift_end(shop, people.tech1, running, answered_no=True)
    assert stopped is not None
    assert (stopped.ended_at, stopped.active_seconds) == (SHIFT_END_UTC, 11 * 3600)
    event = work_session_history(shop, running)[0]
    assert (event.actor, event.metadata["automatic"]) == (people.tech1, False)
    assert (event.metadata["answer"], event.metadata["answered_by"]) == ("no", people.tech1)
    assert "answered no to 'still working?'" in event.metadata["message"]
    assert "nobody" not in event.metadata["message"]


def test_only_managers_list_or_stop_forgotten_timers(shop: Shop, people: People) -> None:
    with pytest.raises(PermissionDenied):
        stale_timers(shop, people.tech1)
    with pytest.raises(PermissionDenied):
        stop_stale_timers(shop, people.tech1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"shift_end": "25:00"}, "shift_end"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"pause_budget_minutes": -1}, "pause_budget_minutes"),
    ],
)
def test_bad_timer_rules_are_refused_by_name(
    shop: Shop, change: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationFailed) as err:
        set_timer_rules(shop, None, **change)  # type: ignore[arg-type]
    assert err.value.field == field
