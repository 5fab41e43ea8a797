"""analytics/public/leaderboard/: the wall board's leaderboard, in the original's shape.

Readable with the board token (``shopfloor board token``) as the bearer, or with any
user's access token. The shape is the later API's (shared/LATER-API.md): shopfloor
ranks by XP, so ``score`` is the XP and the only weight is XP's; it keeps no XP
levels yet, so ``level`` is null. shopfloor's own keys (``period``, ``since``,
``qc_stars``, ``daily_target``, ``tickets_done_today``, ``ready_bikes``) sit beside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from ...domain import Caller
from ...domain.board import Leaderboard, LeaderRow, leaderboard, looks_like_board_token
from ..deps import StateDep
from ..params import Reply
from ..responses import errors
from ..schemas import Envelope, Timestamp, ok
from ..tokens import TokenType, unauthorised

router = APIRouter(prefix="/analytics/public", tags=["analytics"])

_bearer = HTTPBearer(
    auto_error=False, description="The board token, or an access token from auth/login/."
)


@dataclass(frozen=True)
class Reader:
    """Who reads: the board's token, or a user's (already verified) access token."""

    board_token: str | None = None
    caller: Caller | None = None


async def board_reader(
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Reader:
    if credentials is None or not credentials.credentials.strip():
        raise unauthorised(
            "Send the board token (or an access token) as 'Authorization: Bearer <token>'.",
            "not_authenticated",
        )
    token = credentials.credentials.strip()
    if looks_like_board_token(token):
        return Reader(board_token=token)  # checked against its hash by the read itself
    claims = state.tokens.decode(token, TokenType.ACCESS)
    return Reader(caller=Caller(claims.user_id, claims.credentials_version, claims.family))


class FlagsOut(BaseModel):
    green: int
    yellow: int
    red: int


class MemberOut(BaseModel):
    user_id: int
    name: str
    username: str
    level: int | None = Field(description="shopfloor keeps no XP levels yet: always null.")
    rank: int = Field(description="1 is first; a full tie shares a rank.")
    score: int = Field(description="The XP earned in the period (shopfloor ranks by XP).")
    score_components: dict[str, int]
    tickets_done_total: int
    tickets_first_pass_total: int
    tickets_rework_total: int
    first_pass_rate_percent: float | None
    tickets_closed_by_flag: FlagsOut
    xp_total: int
    attendance_days_total: int = Field(description="Days of the period with timer time.")
    average_resolution_minutes: float | None = Field(
        description="Minutes worked per ticket passed in the period."
    )
    qc_fail_events_total: int = Field(
        description="QC fails of the tickets they passed in the period."
    )
    qc_stars: int = Field(description="QC first pass: 3 at 95 % or more, 2 at 90, 1 at 85.")

    @classmethod
    def of_row(cls, row: LeaderRow) -> MemberOut:
        return cls(
            user_id=row.user_id,
            name=row.name,
            username=row.username,
            level=None,
            rank=row.rank,
            score=row.xp,
            score_components={"xp": row.xp},
            tickets_done_total=row.done,
            tickets_first_pass_total=row.first_pass,
            tickets_rework_total=row.reworks,
            first_pass_rate_percent=row.first_pass_percent,
            tickets_closed_by_flag=FlagsOut(**row.flags),
            xp_total=row.xp,
            attendance_days_total=row.attendance_days,
            average_resolution_minutes=row.average_resolution_minutes,
            qc_fail_events_total=row.qc_fail_events,
            qc_stars=row.stars,
        )


class SummaryOut(BaseModel):
    technicians_total: int
    tickets_done_total: int
    tickets_first_pass_total: int
    first_pass_rate_percent: float | None
    xp_total: int
    total_score: int


class LeaderboardOut(BaseModel):
    generated_at: Timestamp
    summary: SummaryOut
    members: list[MemberOut]
    weights: dict[str, float]
    # shopfloor's own
    period: Literal["today", "week", "shift"]
    since: Timestamp
    tickets_done_today: int
    daily_target: int = Field(description="Tickets the shop means to pass a day; 0: none.")
    ready_bikes: int

    @classmethod
    def of_view(cls, board: Leaderboard) -> LeaderboardOut:
        rows = board.rows
        done = sum(r.done for r in rows)
        first = sum(r.first_pass for r in rows)
        xp = sum(r.xp for r in rows)
        return cls(
            generated_at=board.generated_at,
            summary=SummaryOut(
                technicians_total=len(rows),
                tickets_done_total=done,
                tickets_first_pass_total=first,
                first_pass_rate_percent=round(100.0 * first / done, 1) if done else None,
                xp_total=xp,
                total_score=xp,
            ),
            members=[MemberOut.of_row(r) for r in rows],
            weights={"xp": 1.0},
            period=board.period.value,
            since=board.since,
            tickets_done_today=board.done_today,
            daily_target=board.daily_target,
            ready_bikes=board.ready_bikes,
        )


@router.get(
    "/leaderboard/",
    response_model=Envelope[LeaderboardOut],
    responses=errors(400, 401),
)
async def public_leaderboard(
    state: StateDep,
    reader: Annotated[Reader, Depends(board_reader)],
    period: Annotated[
        Literal["today", "week", "shift"],
        Query(description="today, this week (since Monday) or this shift (needs a start)."),
    ] = "today",
) -> Reply:
    """The technicians ranked by XP, then QC first pass, then tickets done, then fewer
    reworks, over the period in the shop's time zone. Never money, never lateness."""
    if reader.caller is not None:
        shop = state.shop.acting_as(reader.caller)
        board = await run_in_threadpool(
            leaderboard, shop, actor_id=reader.caller.user_id, period=period
        )
    else:
        board = await run_in_threadpool(
            leaderboard, state.shop, token=reader.board_token, period=period
        )
    return ok(LeaderboardOut.of_view(board))
