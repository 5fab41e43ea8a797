"""The wall board's reads: who may read them, the leaderboard's figures and order, the
periods, and the Now page, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from shopfloor.domain import (
    AuthenticationFailed,
    ManualClock,
    PermissionDenied,
    Shop,
    ValidationFailed,
    assign_ticket,
    park_ticket,
    pause_work_session,
    qc_fail,
    qc_pass,
    send_to_qc,
    start_work_session,
)
from shopfloor.domain.board import (
    LeaderRow,
    Period,
    board_rules,
    check_board_token,
    leaderboard,
    qc_stars,
    rank_rows,
    rotate_board_token,
    set_board_rules,
    wall_board,
)
from shopfloor.domain.flags import flag_color

from ..conftest import People
from ..factories import intake


def passed(
    shop: Shop, clock: ManualClock, people: People, code: str, tech: int, srt: int, fails: int = 0
) -> int:
    """A ticket taken in, worked ``srt`` minutes and passed (after ``fails`` QC fails)."""
    ticket = intake(shop, people.master, code, srt=srt).id
    assign_ticket(shop, people.manager, ticket, tech)
    for attempt in range(fails + 1):
        start_work_session(shop, tech, ticket)
        clock.advance(minutes=srt)
        send_to_qc(shop, tech, ticket)
        if attempt < fails:
            qc_fail(shop, people.qc, ticket, "Not yet.")
    qc_pass(shop, people.qc, ticket)
    return ticket


# --- the token --------------------------------------------------------------------------------


def test_a_board_token_reads_the_board_and_only_its_hash_is_stored(
    shop: Shop, people: People
) -> None:
    with pytest.raises(AuthenticationFailed, match="shopfloor board token"):
        check_board_token(shop, "sfb_anything")  # none made yet

    token = rotate_board_token(shop, people.admin)
    assert token.startswith("sfb_")
    check_board_token(shop, token)
    assert leaderboard(shop, token=token).period is Period.TODAY
    with shop.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM board_settings")).scalar_one()
    assert stored
    assert token not in stored
    assert len(stored) == 64


def test_rotating_the_token_locks_out_the_old_one(shop: Shop, people: People) -> None:
    old = rotate_board_token(shop, None)  # the CLI, the database's owner
    new = rotate_board_token(shop, None)
    assert new != old
    with pytest.raises(AuthenticationFailed):
        wall_board(shop, token=old)
    wall_board(shop, token=new)


def test_only_a_super_admin_may_rotate_the_token(shop: Shop, people: People) -> None:
    with pytest.raises(PermissionDenied):
        rotate_board_token(shop, people.manager)


def test_any_active_user_may_read_the_board_but_nobody_without_a_token(
    shop: Shop, people: People
) -> None:
    assert leaderboard(shop, actor_id=people.nobody).rows  # a user without a role
    with pytest.raises(AuthenticationFailed):
        leaderboard(shop)


# --- the leaderboard ------------------------------------------------------------------------


def test_the_leaderboard_counts_xp_qc_flags_and_reworks_per_technician(
    shop: Shop, clock: ManualClock, people: People
) -> None:
    set_board_rules(shop, None, daily_target=12)
    passed(shop, clock, people, "RM-3001", people.tech1, 25)  # green, 2 XP + 1 bonus
    passed(shop, clock, people, "RM-3002", people.tech1, 45)  # yellow, 3 XP + 1 bonus
    passed(shop, clock, people, "RM-3003", people.tech2, 90, 1)  # red, 5 XP, a rework

    board = leaderboard(shop, actor_id=people.manager)
    first, second = board.rows
    assert (first.rank, first.username, first.xp, first.done, first.reworks) == (
        1, "tech1", 7, 2, 0,
    )  # fmt: skip
    assert first.flags == {"green": 1, "yellow": 1, "red": 0}
    assert (first.first_pass_percent, first.stars) == (100.0, 3)
    assert (second.rank, second.username, second.xp, second.done, second.reworks) == (
        2, "tech2", 5, 1, 1,
    )  # fmt: skip
    assert second.flags == {"green": 0, "yellow": 0, "red": 1}
    assert (second.first_pass_percent, second.stars, second.qc_fail_events) == (0.0, 0, 1)
    assert (board.done_today, board.daily_target) == (3, 12)
    assert board.ready_bikes == 3  # the three passed bikes are ready again


def test_ties_go_by_xp_then_qc_then_done_then_fewer_reworks_and_a_full_tie_shares_a_rank() -> None:
    def row(name: str, xp: int, done: int, first: int) -> LeaderRow:
        flags = {"green": done, "yellow": 0, "red": 0}
        return LeaderRow(0, 0, name, name, xp, done, first, 0, flags, 0, 0)

    ranked = rank_rows(
        [
            row("fewer-xp", 5, 9, 9),
            row("lower-qc", 10, 4, 3),  # 75 %
            row("more-reworks", 10, 2, 1),  # 50 %, 1 rework
            row("fewer-done", 10, 2, 2),  # 100 %, 2 done
            row("best", 10, 4, 4),  # 100 %, 4 done
            row("also-best", 10, 4, 4),
        ]
    )
    assert [(r.rank, r.name) for r in ranked] == [
        (1, "also-best"),
        (1, "best"),
        (3, "fewer-done"),
        (4, "lower-qc"),
        (5, "more-reworks"),
        (6, "fewer-xp"),
    ]


def test_fewer_reworks_break_a_tie_of_xp_qc_and_done() -> None:
    flags = {"green": 0, "yellow": 0, "red": 0}
    # Same XP, same done; the first pass share decides QC %, so equal QC % means equal
    # reworks; a tie of all four is a shared rank (above), never an arbitrary order.
    a = LeaderRow(0, 1, "a", "a", 4, 2, 1, 1, flags, 0, 0)
    b = LeaderRow(0, 2, "b", "b", 4, 2, 1, 3, flags, 0, 0)
    assert [r.rank for r in rank_rows([a, b])] == [1, 1]


@pytest.mark.parametrize(
    ("percent", "stars"),
    [(100.0, 3), (95.0, 3), (94.9, 2), (90.0, 2), (89.9, 1), (85.0, 1), (84.9, 0), (None, 0)],
)
def test_qc_first_pass_shows_as_stars(percent: float | None, stars: int) -> None:
    assert qc_stars(percent) == stars


@pytest.mark.parametrize(
    ("minutes", "colour"),
    [(1, "green"), (30, "green"), (31, "yellow"), (60, "yellow"), (61, "red")],
)
def test_a_flag_is_green_to_30_minutes_yellow_to_60_and_red_beyond(
    minutes: int, colour: str
) -> None:
    assert flag_color(minutes) == colour


def test_flag_colours_in_sql_agree_with_the_rule_at_each_boundary(
    shop: Shop, clock: ManualClock, people: People
) -> None:
    for i, srt in enumerate((30, 31, 60, 61)):
        passed(shop, clock, people, f"RM-31{i:02d}", people.tech1, srt)
    row = leaderboard(shop, actor_id=people.admin).rows[0]
    assert row.flags == {"green": 1, "yellow": 2, "red": 1}


def test_today_this_week_and_this_shift_cover_their_own_passes(
    shop: Shop, clock: ManualClock, people: People
) -> None:
    # T0 is Monday 08:00 UTC (the shop's zone is UTC).
    passed(shop, clock, people, "RM-3201", people.tech1, 30)  # Monday
    clock.advance(days=2)
    clock.set(clock.now().replace(hour=5, minute=0))
    passed(shop, clock, people, "RM-3202", people.tech1, 30)  # Wednesday 05:00 -> 05:30
    clock.set(clock.now().replace(hour=7, minute=0))
    passed(shop, clock, people, "RM-3203", people.tech1, 30)  # Wednesday 07:00 -> 07:30
    set_board_rules(shop, None, shift_start="06:00")

    def done(period: Period) -> int:
        return leaderboard(shop, actor_id=people.admin, period=period).rows[0].done

    assert (done(Period.TODAY), done(Period.SHIFT), done(Period.WEEK)) == (2, 1, 3)


def test_a_shift_from_midnight_reads_the_same_as_today(
    shop: Shop, clock: ManualClock, people: People
) -> None:
    # The shift is summed from the tickets and the XP ledger, today from the daily
    # rollups: both must agree.
    passed(shop, clock, people, "RM-3301", people.tech1, 45)
    passed(shop, clock, people, "RM-3302", people.tech2, 70, fails=1)
    set_board_rules(shop, None, shift_start="00:00")
    today = leaderboard(shop, actor_id=people.admin, period="today")
    shift = leaderboard(shop, actor_id=people.admin, period="shift")
    assert [(r.username, r.xp, r.done, r.reworks, r.flags) for r in shift.rows] == [
        (r.username, r.xp, r.done, r.reworks, r.flags) for r in today.rows
    ]


def test_a_shift_without_a_start_is_today_and_a_period_must_be_known(
    shop: Shop, people: People
) -> None:
    assert leaderboard(shop, actor_id=people.admin, period="shift").period == "today"
    assert wall_board(shop, actor_id=people.admin, period="shift").leaderboard.period == "today"
    with pytest.raises(ValidationFailed, match="today, week, shift") as unknown:
        leaderboard(shop, actor_id=people.admin, period="month")
    assert unknown.value.field == "period"


def test_board_rules_are_checked(shop: Shop, people: People) -> None:
    with pytest.raises(ValidationFailed) as bad_target:
        set_board_rules(shop, None, daily_target=-1)
    assert bad_target.value.field == "daily_target"
    with pytest.raises(ValidationFailed) as bad_shift:
        set_board_rules(shop, None, shift_start="25:00")
    assert bad_shift.value.field == "shift_start"
    rules = set_board_rules(shop, None, daily_target=9, shift_start="6:30", long_pause_minutes=20)
    assert (rules.daily_target, str(rules.shift_start), rules.long_pause_minutes) == (
        9, "06:30:00", 20,
    )  # fmt: skip
    assert board_rules(shop).periods == (Period.TODAY, Period.SHIFT, Period.WEEK)
    assert set_board_rules(shop, None, shift_start=None).periods == (Period.TODAY, Period.WEEK)


# --- now --------------------------------------------------------------------------------------


def test_the_now_page_shows_benches_timers_and_the_queues(
    shop: Shop, clock: ManualClock, people: People
) -> None:
    running = intake(shop, people.master, "RM-3401", srt=30).id
    assign_ticket(shop, people.manager, running, people.tech1)
    start_work_session(shop, people.tech1, running)
    paused = intake(shop, people.master, "RM-3402", srt=60).id
    assign_ticket(shop, people.manager, paused, people.tech2)
    start_work_session(shop, people.tech2, paused)
    clock.advance(minutes=5)
    pause_work_session(shop, people.tech2, paused, "tool_or_bay_busy")
    intake(shop, people.master, "RM-3405")  # new, waiting for a technician
    clock.advance(minutes=35)  # tech1 at 40 of 30 SRT minutes; tech2 paused 35 minutes

    now = wall_board(shop, actor_id=people.admin).now
    bench1, bench2 = now.benches
    assert (bench1.name, bench1.bike_code, bench1.timer) == ("Tech1", "RM-3401", "running")
    at = clock.now()
    assert bench1.worked_seconds == 40 * 60
    assert bench1.over_srt_at(at, at)
    assert (bench2.bike_code, bench2.timer, bench2.worked_seconds) == ("RM-3402", "paused", 300)
    assert bench2.pause_reason == "Tool or bay busy"
    assert bench2.long_pause_at(at, now.long_pause_minutes)  # 35 of 15 minutes
    assert not bench2.long_pause_at(at, 40)
    assert not bench2.over_srt_at(at, at + timedelta(hours=1))  # a paused timer stays
    assert [w.bike_code for w in now.waiting_assignment.items] == ["RM-3405"]
    assert now.waiting_assignment.total == 1
    assert now.waiting_qc.total == 0
    assert now.parked.total == 0


def test_the_now_page_lists_parked_bikes_with_their_reason_and_the_qc_queue(
    shop: Shop, clock: ManualClock, people: People
) -> None:
    parked = intake(shop, people.master, "RM-3501").id
    assign_ticket(shop, people.manager, parked, people.tech1)
    start_work_session(shop, people.tech1, parked)
    clock.advance(minutes=10)
    park_ticket(shop, people.tech1, parked, "waiting_for_parts")
    to_qc = intake(shop, people.master, "RM-3502").id
    assign_ticket(shop, people.manager, to_qc, people.tech1)
    start_work_session(shop, people.tech1, to_qc)
    clock.advance(minutes=20)
    send_to_qc(shop, people.tech1, to_qc)

    now = wall_board(shop, actor_id=people.admin).now
    assert [(w.bike_code, w.reason, w.technician_name) for w in now.parked.items] == [
        ("RM-3501", "Waiting for parts", "Tech1")
    ]
    assert [(w.bike_code, w.rework) for w in now.waiting_qc.items] == [("RM-3502", False)]
    assert all(b.ticket_id is None for b in now.benches)  # nothing in progress now
    running = now.benches[0]
    assert running.worked_at(clock.now(), clock.now() + timedelta(minutes=1)) == 0
