"""``shopfloor timers``: the rules, and forgotten timers listed and stopped from the shell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from shopfloor.domain import (
    ManualClock,
    Shop,
    assign_ticket,
    create_user,
    list_work_sessions,
    start_work_session,
)
from shopfloor.domain.database import create_db_engine

from ..conftest import fast_hasher
from ..factories import intake
from .conftest import one_line_error, run


def test_timers_stale_lists_then_stops_a_timer_left_running_overnight(
    env: dict[str, str],
    tmp_path: Path,
) -> None:
    assert run(["user", "list"], env).returncode == 0  # creates and migrates the shop
    rules = run(["timers", "rules", "--shift-end", "20:00", "--time-zone", "UTC"], env)
    assert rules.returncode == 0, rules.stderr
    assert "shift end: 20:00" in rules.stdout
    assert "pause reason 3: break = Break (break: not counted)" in rules.stdout

    # A timer started three days ago at 09:00 and never touched again.
    started = (datetime.now(UTC) - timedelta(days=3)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    shop = Shop(
        create_db_engine(f"sqlite:///{tmp_path / 'data' / 'shopfloor.sqlite3'}"),
        clock=ManualClock(started),
        hasher=fast_hasher(),
    )
    try:
        master = create_user(shop, None, "mm", "secret-pw", roles=["master"]).id
        tech = create_user(shop, None, "tt", "secret-pw", roles=["technician"]).id
        ticket = assign_ticket(shop, master, intake(shop, master).id, tech)
        start_work_session(shop, tech, ticket.id)

        listed = run(["timers", "stale"], env)
        assert listed.returncode == 0, listed.stderr
        assert f"#{ticket.id} RM-0001" in listed.stdout
        assert "left open past the end of the shift" in listed.stdout
        assert list_work_sessions(shop, ticket.id)[0].status == "running"  # listing changes nothing

        stopped = run(["timers", "stale", "--stop"], env)
        assert stopped.returncode == 0, stopped.stderr
        assert "20:00 (the shift's end)" in stopped.stdout
        [session] = list_work_sessions(shop, ticket.id)
        assert session.status == "stopped"
        assert session.ended_at == started.replace(hour=20)
        assert session.active_seconds == 11 * 3600
        assert "No forgotten timers." in run(["timers", "stale"], env).stdout
    finally:
        shop.dispose()


def test_a_bad_duration_is_one_line_on_stderr(env: dict[str, str]) -> None:
    result = run(["timers", "stale", "--older-than", "12x"], env)
    assert "--older-than '12x' is not a duration" in one_line_error(result)
