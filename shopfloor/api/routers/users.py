"""users/me/: who the token belongs to."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import UserDep
from ..responses import errors
from ..schemas import Envelope, UserOut, ok

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me/", response_model=Envelope[UserOut], responses=errors(401))
def me(user: UserDep) -> dict[str, object]:
    """The authenticated user with their roles."""
    return ok(UserOut.of(user))
