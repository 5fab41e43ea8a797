"""GET analytics/public/leaderboard/: the wall board's leaderboard over real HTTP, read with
the board token or any user's token, in the later API's shape."""

from __future__ import annotations

from typing import Any

from shopfloor.domain.board import rotate_board_token

from .conftest import Api, Crew, refused

PATH = "analytics/public/leaderboard/"
MEMBER_KEYS = {
    "user_id", "name", "username", "level", "rank", "score", "score_components",
    "tickets_done_total", "tickets_first_pass_total", "tickets_rework_total",
    "first_pass_rate_percent", "tickets_closed_by_flag", "xp_total", "attendance_days_total",
    "average_resolution_minutes", "qc_fail_events_total",
}  # fmt: skip
SUMMARY_KEYS = {
    "technicians_total", "tickets_done_total", "tickets_first_pass_total",
    "first_pass_rate_percent", "xp_total", "total_score",
}  # fmt: skip


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def member_of(data: dict[str, Any], user_id: int) -> dict[str, Any]:
    found: dict[str, Any] = next(m for m in data["members"] if m["user_id"] == user_id)
    return found


def test_the_board_token_reads_the_leaderboard_in_the_later_apis_shape(
    api: Api, crew: Crew
) -> None:
    api.ticket_in(crew, "done")  # crew.tech1 passes QC first time: 45 minutes, yellow
    token = rotate_board_token(api.shop, None)
    data = api.ok(api.request("GET", PATH, headers=bearer(token)))
    assert {"generated_at", "summary", "members", "weights"} <= set(data)
    assert set(data["summary"]) == SUMMARY_KEYS
    mine = member_of(data, crew.tech1.id)
    assert set(mine) >= MEMBER_KEYS
    assert mine["tickets_done_total"] == 1
    assert mine["tickets_rework_total"] == 0
    assert mine["first_pass_rate_percent"] == 100.0
    assert mine["tickets_closed_by_flag"] == {"green": 0, "yellow": 1, "red": 0}
    assert mine["xp_total"] == mine["score"] == 4  # ceil(45 / 20) + a first-pass bonus
    assert mine["qc_stars"] == 3
    assert data["period"] == "today"
    assert not any(word in str(data) for word in ("price", "cost", "salary", "late"))


def test_any_users_access_token_reads_it_too(api: Api, crew: Crew) -> None:
    data = api.ok(api.get(PATH, crew.nobody, period="week"))
    assert data["period"] == "week"
    assert crew.tech1.id in [m["user_id"] for m in data["members"]]


def test_a_wrong_or_old_board_token_and_no_token_are_refused(api: Api, crew: Crew) -> None:
    old = rotate_board_token(api.shop, None)
    rotate_board_token(api.shop, None)
    body = refused(api.request("GET", PATH, headers=bearer(old)), 401)
    assert "shopfloor board token" in body["message"]
    refused(api.request("GET", PATH, headers=bearer("sfb_made-up")), 401)
    response = api.get(PATH)
    refused(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_board_token_opens_nothing_else(api: Api, crew: Crew) -> None:
    token = rotate_board_token(api.shop, None)
    for path in ("tickets/", "analytics/team/", "users/me/"):
        refused(api.request("GET", path, headers=bearer(token)), 401)


def test_an_unknown_period_is_a_400_naming_the_field(api: Api, crew: Crew) -> None:
    refused(api.get(PATH, crew.nobody, period="month"), 400, "period")
