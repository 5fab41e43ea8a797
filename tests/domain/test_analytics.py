"""Analytics: fleet and team figures from SQL aggregation, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shopfloor.domain import (
    ManualClock,
    PermissionDenied,
    Shop,
    ValidationFailed,
    archive_bike,
    assign_ticket,
    create_bike,
    fleet_analytics,
    pause_work_session,
    qc_fail,
    qc_pass,
    send_to_qc,
    start_work_session,
    team_analytics,
)

from ..conftest import People
from ..factories import intake


def finish(
    shop: Shop, people: People, clock: ManualClock, code: str, tech: int, *, fail: bool
) -> None:
    ticket = intake(shop, people.master, code, srt=30)
    assign_ticket(shop, people.manager, ticket.id, tech)
    start_work_session(shop, tech, ticket.id)
    clock.advance(minutes=20)
    send_to_qc(shop, tech, ticket.id)
    if fail:
        qc_fail(shop, people.qc, ticket.id)
        start_work_session(shop, tech, ticket.id)
        clock.advance(minutes=10)
        send_to_qc(shop, tech, ticket.id)
    qc_pass(shop, people.qc, ticket.id)


@pytest.fixture
def busy_shop(shop: Shop, people: People, clock: ManualClock) -> Shop:
    finish(shop, people, clock, "RM-0001", people.tech1, fail=False)
    clock.advance(days=1)
    finish(shop, people, clock, "RM-0002", people.tech1, fail=True)
    finish(shop, people, clock, "RM-0003", people.tech2, fail=False)
    running = intake(shop, people.master, "RM-0004")
    assign_ticket(shop, people.manager, running.id, people.tech2)
    start_work_session(shop, people.tech2, running.id)
    clock.advance(minutes=15)
    pause_work_session(shop, people.tech2, running.id)
    intake(shop, people.master, "RM-0005")
    archive_bike(shop, people.master, create_bike(shop, people.master, "RM-0006").id)
    return shop


def test_fleet_figures(busy_shop: Shop, people: People, clock: ManualClock) -> None:
    fleet = fleet_analytics(busy_shop, people.manager, days=3)
    assert fleet.bikes_total == 5  # the archived bike is not in the fleet
    assert fleet.bikes_by_status["ready"] == 4
    assert fleet.bikes_by_status["in_service"] == 1
    assert fleet.availability_percent == 80.0  # the contract's ready / active bikes
    # RM-0005 is ready but its new ticket books it: not available.
    assert (fleet.bikes_free, fleet.free_percent) == (3, 60.0)
    assert fleet.tickets_by_status == {
        "new": 1,
        "assigned": 0,
        "in_progress": 1,
        "waiting_qc": 0,
        "rework": 0,
        "done": 3,
    }
    assert (fleet.backlog, fleet.waiting_for_technician) == (2, 1)
    assert (fleet.qc_passed_total, fleet.qc_first_pass_total) == (3, 2)
    assert fleet.qc_first_pass_percent == 66.7
    assert [(d.passed, d.first_pass) for d in fleet.qc_trend] == [(0, 0), (1, 1), (2, 1)]
    assert fleet.qc_trend[-1].day == clock.now().date()


def test_team_figures(busy_shop: Shop, people: People) -> None:
    team = {t.username: t for t in team_analytics(busy_shop, people.manager, days=7).technicians}
    assert set(team) == {"tech1", "tech2"}
    tech1, tech2 = team["tech1"], team["tech2"]
    assert (tech1.done, tech1.first_pass, tech1.first_pass_percent) == (2, 1, 50.0)
    assert tech1.xp == 2 + 1 + 2  # two bases of ceil(30/20) and one first-pass bonus
    assert tech1.worked_seconds == (20 + 20 + 10) * 60
    assert (tech1.srt_minutes_done, tech1.worked_seconds_done) == (60, 50 * 60)
    assert (tech2.done, tech2.in_progress, tech2.assigned) == (1, 1, 0)
    assert tech2.worked_seconds == (20 + 15) * 60


def test_team_window_leaves_out_older_work(
    busy_shop: Shop, people: People, clock: ManualClock
) -> None:
    clock.advance(days=1)
    team = {t.username: t for t in team_analytics(busy_shop, people.manager, days=1).technicians}
    assert team["tech1"].done == 0
    assert team["tech1"].xp == 0


@pytest.mark.parametrize("who", ["master", "tech1", "qc", "nobody"])
def test_analytics_are_for_managers(shop: Shop, people: People, who: str) -> None:
    with pytest.raises(PermissionDenied, match="may not view analytics"):
        fleet_analytics(shop, getattr(people, who))
    with pytest.raises(PermissionDenied):
        team_analytics(shop, getattr(people, who))


@pytest.mark.parametrize("days", [0, 91, -1])
def test_days_is_bounded(shop: Shop, people: People, days: int) -> None:
    with pytest.raises(ValidationFailed, match="from 1 to 90") as err:
        team_analytics(shop, people.admin, days=days)
    assert err.value.field == "days"


def test_empty_shop_has_zero_figures(shop: Shop, people: People) -> None:
    fleet = fleet_analytics(shop, people.admin, days=1)
    assert (fleet.bikes_total, fleet.availability_percent, fleet.qc_first_pass_percent) == (
        0,
        0.0,
        None,
    )
    assert timedelta(0) <= timedelta(days=len(fleet.qc_trend)) <= timedelta(days=1)


def test_assign_board_load_is_for_whoever_assigns(
    busy_shop: Shop, people: People, clock: ManualClock
) -> None:
    from shopfloor.domain.boards import technician_load

    midnight = clock.now().replace(hour=0, minute=0, second=0)
    load = {t.username: t for t in technician_load(busy_shop, people.master, since=midnight)}
    assert (load["tech2"].in_progress, load["tech2"].timer, load["tech2"].worked_seconds) == (
        1,
        "paused",
        (20 + 15) * 60,
    )
    assert (load["tech1"].in_progress, load["tech1"].assigned, load["tech1"].timer) == (0, 0, None)
    with pytest.raises(PermissionDenied, match="may not assign technicians"):
        technician_load(busy_shop, people.tech1, since=midnight)


def test_fleet_has_the_originals_backlog_and_qc_week(
    busy_shop: Shop, people: People, clock: ManualClock
) -> None:
    fleet = fleet_analytics(busy_shop, people.manager)
    assert fleet.generated_at == clock.now()
    assert fleet.bikes_all == 6  # the archived one too
    backlog = fleet.backlog_figures
    assert backlog.total == 2
    assert backlog.status_buckets == {
        "new": 1, "assigned": 0, "in_progress": 1, "waiting_qc": 0, "rework": 0
    }  # fmt: skip
    # Flag minutes are set when QC passes, so the open tickets are all green.
    assert backlog.flag_buckets == {"green": 2, "yellow": 0, "red": 0, "black": 0, "black_plus": 0}
    assert (backlog.avg_flag_minutes, backlog.red_or_worse_count) == (0.0, 0)
    assert backlog.avg_age_minutes is not None
    assert backlog.avg_age_minutes >= 0
    qc = fleet.qc_window
    assert (qc.window_days, len(qc.trend), qc.end_date) == (7, 7, clock.now().date())
    last_two = [(d.done, d.first_pass_done, d.rework_done, d.qc_fail_events) for d in qc.trend]
    assert last_two[-2:] == [(1, 1, 0, 0), (2, 1, 1, 1)]
    assert (qc.totals.done, qc.totals.first_pass_rate_percent) == (3, 66.7)


def test_backlog_flag_buckets_follow_the_originals_bounds(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    from sqlalchemy import text

    minutes = [30, 31, 60, 61, 120, 121, 180, 181]
    for i, flag in enumerate(minutes):
        ticket = intake(shop, people.master, f"RM-10{i:02d}")
        with shop.engine.begin() as conn:
            conn.execute(
                text("UPDATE tickets SET flag_minutes = :m WHERE id = :id"),
                {"m": flag, "id": ticket.id},
            )
    clock.advance(minutes=90)
    backlog = fleet_analytics(shop, people.manager).backlog_figures
    assert backlog.flag_buckets == {"green": 1, "yellow": 2, "red": 2, "black": 2, "black_plus": 1}
    assert (backlog.red_or_worse_count, backlog.black_or_worse_count) == (5, 3)
    assert backlog.avg_flag_minutes == sum(minutes) / len(minutes)
    assert backlog.avg_age_minutes == 90.0


def test_team_summary_adds_up_the_members(busy_shop: Shop, people: People) -> None:
    team = team_analytics(busy_shop, people.manager, days=7)
    assert (team.tickets_done_total, team.first_pass_total, team.xp_total) == (3, 2, 5 + 3)
    assert team.first_pass_rate_percent == 66.7


def test_a_bike_with_a_new_or_assigned_ticket_is_not_counted_as_available(
    shop: Shop, people: People
) -> None:
    create_bike(shop, people.master, "RM-0100")  # ready, nothing open
    intake(shop, people.master, "RM-0101")  # new ticket
    assigned = intake(shop, people.master, "RM-0102")
    assign_ticket(shop, people.manager, assigned.id, people.tech1)
    fleet = fleet_analytics(shop, people.manager)
    assert fleet.bikes_by_status["ready"] == 3
    assert (fleet.bikes_free, fleet.free_percent) == (1, 33.3)
