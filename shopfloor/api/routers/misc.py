"""misc/health/: a bare liveness answer for probes (no envelope, no auth)."""

from __future__ import annotations

from fastapi import APIRouter

from ..schemas import Health

router = APIRouter(prefix="/misc", tags=["misc"])


@router.get("/health/", response_model=Health)
def health() -> dict[str, str]:
    """``{"status": "ok"}`` while the process serves requests."""
    return {"status": "ok"}
