"""The shop's time zone: its day boundaries for "today", the dashboard's days; UTC stored."""

from __future__ import annotations

from datetime import UTC, date, datetime

from shopfloor.domain import (
    ManualClock,
    Shop,
    assign_ticket,
    fleet_analytics,
    qc_pass,
    send_to_qc,
    set_timer_rules,
    start_work_session,
    team_analytics,
    worked_seconds_today,
)

from ..conftest import People
from ..factories import intake

LATE = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Prague; midnight there is 23:00 UTC


def test_today_on_my_work_starts_at_the_shops_local_midnight(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    clock.set(LATE)
    ticket = assign_ticket(shop, people.manager, intake(shop, people.master).id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    clock.advance(hours=1)  # 23:30 UTC = 00:30 in Prague, the next day
    assert worked_seconds_today(shop, people.tech1) == 3600  # UTC: still the same day
    set_timer_rules(shop, None, time_zone="Europe/Prague")
    assert worked_seconds_today(shop, people.tech1) == 1800  # since 00:00 Prague


def test_the_dashboard_counts_a_late_qc_pass_on_the_shops_local_day(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    set_timer_rules(shop, None, time_zone="Europe/Prague")
    clock.set(LATE)
    ticket = assign_ticket(shop, people.manager, intake(shop, people.master).id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    clock.advance(hours=1)
    send_to_qc(shop, people.tech1, ticket.id)
    qc_pass(shop, people.qc, ticket.id)  # 23:30 UTC on 2 March = 3 March in Prague
    fleet = fleet_analytics(shop, people.manager, days=2)
    assert [(d.day, d.passed) for d in fleet.qc_trend] == [
        (date(2026, 3, 2), 0),
        (date(2026, 3, 3), 1),
    ]
    team = team_analytics(shop, people.manager, days=1)
    assert team.since == datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    [tech1] = [t for t in team.technicians if t.user_id == people.tech1]
    assert (tech1.done, tech1.worked_seconds) == (1, 1800)
