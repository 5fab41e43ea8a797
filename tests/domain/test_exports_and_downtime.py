"""Exports and downtime add up to what the dashboard and `audit verify` say, over the shop's
midnight in a non-UTC zone, on both databases."""

from __future__ import annotations

from datetime import date

import pytest

from shopfloor.domain import (
    ManualClock,
    PermissionDenied,
    Shop,
    ValidationFailed,
    open_session_of,
    stop_work_session,
    team_analytics,
)
from shopfloor.domain.audit import verify_shop
from shopfloor.domain.downtime import downtime_by_reason
from shopfloor.domain.exports import ExportTable, export_table
from shopfloor.domain.rollups import DAY_COLUMNS, day_table, expected_days

from ..conftest import People
from .test_rollups import PRAGUE_MARCH_2, PRAGUE_MARCH_3, mixed_history

DAYS = (PRAGUE_MARCH_2, PRAGUE_MARCH_3)


def by_technician(table: ExportTable, key: str) -> dict[str, int]:
    """A column's sum per technician (username) over the table's days."""
    column = [c.key for c in table.columns].index(key)
    found: dict[str, int] = {}
    for row in table.rows:
        found[row[2]] = found.get(row[2], 0) + int(row[column] or 0)
    return found


def dashboard(shop: Shop, people: People) -> dict[str, dict[str, object]]:
    """Team analytics over the two local days (today is 3 March in Prague)."""
    team = team_analytics(shop, people.manager, days=2)
    return {
        t.username: {
            "worked_seconds": t.worked_seconds,
            "tickets_done": t.done,
            "srt_minutes_done": t.srt_minutes_done,
            "worked_seconds_done": t.worked_seconds_done,
            "first_pass": t.first_pass,
            "xp_total": t.xp,
            "pauses": t.pause_seconds_by_reason,
        }
        for t in team.technicians
    }


def exported(shop: Shop, people: People) -> dict[str, dict[str, object]]:
    tables = {
        kind: export_table(shop, people.manager, kind, *DAYS)
        for kind in ("worktime", "xp", "qc", "pauses")
    }
    found: dict[str, dict[str, object]] = {}
    for username in ("tech1", "tech2"):
        pauses = tables["pauses"]
        reasons = [c.key.removesuffix("_seconds") for c in pauses.columns[3:-1]]
        found[username] = {
            "worked_seconds": by_technician(tables["worktime"], "worked_seconds").get(username, 0),
            "tickets_done": by_technician(tables["worktime"], "tickets_done").get(username, 0),
            "srt_minutes_done": by_technician(tables["worktime"], "srt_minutes_done").get(
                username, 0
            ),
            "worked_seconds_done": by_technician(tables["worktime"], "worked_seconds_done").get(
                username, 0
            ),
            "first_pass": by_technician(tables["qc"], "first_pass").get(username, 0),
            "xp_total": by_technician(tables["xp"], "xp_total").get(username, 0),
            "pauses": {
                reason: seconds
                for reason in reasons
                if (seconds := by_technician(pauses, f"{reason}_seconds").get(username, 0))
            },
        }
    return found


def test_exports_add_up_to_the_dashboard_over_midnight_with_timers_still_open(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    mixed_history(shop, people, clock)  # Prague; tech1's timer runs, tech2's is paused
    assert exported(shop, people) == dashboard(shop, people)
    worktime = export_table(shop, people.manager, "worktime", *DAYS)
    # Worked time is cut at Prague's midnight: 30 minutes on 2 March, the rest on 3 March.
    tech1 = {row[0]: row[3] for row in worktime.rows if row[2] == "tech1"}
    assert tech1[PRAGUE_MARCH_2] == 30 * 60
    assert worktime.total("worked_seconds") == sum(
        t.worked_seconds for t in team_analytics(shop, people.manager, days=2).technicians
    )


def test_exports_add_up_to_what_audit_verify_recomputes_from_the_history(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    mixed_history(shop, people, clock)
    stop_work_session(shop, people.tech1, get_open(shop, people, "tech1"))
    stop_work_session(shop, people.tech2, get_open(shop, people, "tech2"))
    assert verify_shop(shop).clean
    with shop.engine.connect() as conn, day_table(conn) as days:
        history = expected_days(conn, days)
    column = {name: i for i, name in enumerate(DAY_COLUMNS)}
    recomputed = {
        name: sum(v[column[name]] for (day, tech), v in history.expected_days.items() if tech)
        for name in ("worked_seconds", "done", "srt_minutes_done", "worked_seconds_done", "xp")
    }
    worktime = export_table(shop, people.manager, "worktime", *DAYS)
    xp = export_table(shop, people.manager, "xp", *DAYS)
    pauses = export_table(shop, people.manager, "pauses", *DAYS)
    assert {
        "worked_seconds": worktime.total("worked_seconds"),
        "done": worktime.total("tickets_done"),
        "srt_minutes_done": worktime.total("srt_minutes_done"),
        "worked_seconds_done": worktime.total("worked_seconds_done"),
        "xp": xp.total("xp_total"),
    } == recomputed
    assert pauses.total("pause_seconds") == sum(history.expected_pauses.values())
    assert exported(shop, people) == dashboard(shop, people)


def get_open(shop: Shop, people: People, who: str) -> int:
    session = open_session_of(shop, getattr(people, who))
    assert session is not None
    return session.ticket


def test_the_ticket_export_has_one_row_per_ticket_passed_with_its_xp(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    ids = mixed_history(shop, people, clock)
    table = export_table(shop, people.manager, "tickets", *DAYS)
    [row] = table.rows
    values = dict(zip([c.key for c in table.columns], row, strict=True))
    assert values["ticket"] == ids["a"]
    assert (values["bike_code"], values["technician"], values["taken_in_by"]) == (
        "RM-0001",
        "Tech1",
        "Master",
    )
    assert (values["srt_minutes"], values["worked_seconds"]) == (60, (60 + 20 + 15) * 60)
    assert (values["qc_fails"], values["first_pass"]) == (1, False)
    assert (values["xp_base"], values["xp_bonus"]) == (3, 0)
    assert values["latest_qc_note"] == "Rear brake still rubs"
    assert values["passed_at"].utcoffset().total_seconds() == 3600  # Prague, in winter
    team = team_analytics(shop, people.manager, days=2)
    assert table.total("worked_seconds") == sum(t.worked_seconds for t in team.efficiency_by_ticket)


def test_downtime_by_reason_is_the_dashboards_pauses_split_by_day(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    mixed_history(shop, people, clock)
    downtime = downtime_by_reason(shop, people.manager, days=2)
    team = team_analytics(shop, people.manager, days=2)
    assert {r.code: r.seconds for r in downtime.reasons if r.seconds} == team.pauses_by_reason
    per_tech = {t.username: t.by_reason for t in downtime.by_technician}
    assert per_tech == {
        t.username: t.pause_seconds_by_reason for t in team.technicians if t.pause_seconds_by_reason
    }
    assert [d.day for d in downtime.by_day] == list(DAYS)
    assert sum(d.seconds for d in downtime.by_day) == downtime.total_seconds
    # The shop's reasons are all listed, in its order, paused for or not.
    assert [r.code for r in downtime.reasons][:5] == [
        "waiting_for_parts",
        "tool_or_bay_busy",
        "break",
        "customer_or_manager",
        "other",
    ]
    tool = {
        (c.day, c.technician): c.seconds for c in downtime.cells if c.reason == "tool_or_bay_busy"
    }
    assert tool[(PRAGUE_MARCH_3, people.tech1)] == 10 * 60
    assert tool[(PRAGUE_MARCH_3, people.tech2)] == 6 * 60  # still paused: up to now


@pytest.mark.parametrize("who", ["master", "tech1", "qc", "nobody"])
def test_exports_and_downtime_are_for_managers(shop: Shop, people: People, who: str) -> None:
    with pytest.raises(PermissionDenied):
        export_table(shop, getattr(people, who), "worktime", date(2026, 3, 1), date(2026, 3, 2))
    with pytest.raises(PermissionDenied):
        downtime_by_reason(shop, getattr(people, who))
    assert export_table(shop, people.admin, "xp", date(2026, 3, 1), date(2026, 3, 2)).rows == ()


def test_an_export_range_must_run_forwards_and_stay_within_a_year(
    shop: Shop, people: People
) -> None:
    with pytest.raises(ValidationFailed) as backwards:
        export_table(shop, people.manager, "qc", date(2026, 3, 2), date(2026, 3, 1))
    assert backwards.value.field == "to"
    with pytest.raises(ValidationFailed) as long:
        export_table(shop, people.manager, "qc", date(2025, 1, 1), date(2026, 3, 1))
    assert long.value.field == "from"
    with pytest.raises(ValidationFailed):
        downtime_by_reason(shop, people.manager, days=91)


def test_time_away_shows_as_logged_out_and_never_counts_in_downtime(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    from shopfloor.domain import assign_ticket, pause_for_time_away, start_work_session

    from ..factories import intake

    ticket = assign_ticket(shop, people.manager, intake(shop, people.master).id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    clock.advance(minutes=5)
    pause_for_time_away(shop, people.tech1, ticket.id)  # logged out
    clock.advance(minutes=40)
    [away] = [r for r in downtime_by_reason(shop, people.manager, days=1).reasons if r.seconds]
    assert (away.code, away.label, away.counts, away.seconds) == ("away", "Logged out", False, 2400)
