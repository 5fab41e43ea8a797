"""users/me/: who the token belongs to."""

from __future__ import annotations

from fastapi import APIRouter

from ... import domain
from ..deps import ShopDep
from ..responses import errors
from ..schemas import Envelope, UserOut, ok

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me/", response_model=Envelope[UserOut], responses=errors(401))
def me(shop: ShopDep) -> dict[str, object]:
    """The authenticated user with their roles."""
    return ok(UserOut.of(domain.caller_user(shop)))
