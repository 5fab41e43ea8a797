"""Login throttling: repeated failures from one address are answered 429.

Failures are counted per (client address, username) and per address alone in a
sliding window, in this process's memory; a successful login clears the pair.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from .errors import ApiError

# Bound memory even under a flood of distinct usernames.
MAX_KEYS = 10_000


class LoginThrottle:
    """Counts failed logins and refuses more once a limit is reached in the window."""

    def __init__(
        self,
        *,
        per_user: int = 5,
        per_address: int = 100,
        window_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_user = per_user
        self.per_address = per_address
        self.window = window_seconds
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        stamps = self._failures.get(key)
        if stamps is None:
            return deque()
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
        return stamps

    def check(self, address: str, username: str) -> None:
        """Raise 429 when this address, or this address for this user, failed too often."""
        now = self._clock()
        with self._lock:
            for key, limit in (
                ((address, username.strip().lower()), self.per_user),
                ((address, ""), self.per_address),
            ):
                stamps = self._recent(key, now)
                if len(stamps) >= limit:
                    wait = max(1, math.ceil(stamps[0] + self.window - now))
                    raise ApiError(
                        429,
                        f"Too many failed logins; wait {wait} seconds before trying again.",
                        "too_many_attempts",
                        headers={"Retry-After": str(wait)},
                    )

    def failed(self, address: str, username: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= MAX_KEYS:
                self._failures.clear()
            for key in ((address, username.strip().lower()), (address, "")):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._failures.pop((address, username.strip().lower()), None)
