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
    assert fleet.availability_percent == 80.0
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
