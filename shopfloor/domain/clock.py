"""The one place domain code takes the time from.

Every timestamp is timezone-aware UTC. Tests use :class:`ManualClock` so they
control time and never sleep.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current UTC time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, demo data)."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float = 0, **delta: float) -> datetime:
        """Move forward by ``seconds`` plus any ``timedelta`` keywords; return the new time."""
        self._now += timedelta(seconds=seconds, **delta)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = ensure_utc(moment)


def ensure_utc(moment: datetime) -> datetime:
    """Return ``moment`` as aware UTC; naive values are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
