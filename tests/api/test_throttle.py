"""The login throttle's window, limits and reset, on a clock the test controls."""

from __future__ import annotations

import pytest

from shopfloor.api.errors import ApiError
from shopfloor.api.throttle import LoginThrottle


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_per_user_limit_resets_after_the_window_or_a_success() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(per_user=3, per_address=100, window_seconds=60, clock=clock)
    for _ in range(3):
        throttle.check("10.0.0.1", "Tech1")
        throttle.failed("10.0.0.1", "Tech1")
    with pytest.raises(ApiError) as refused:
        throttle.check("10.0.0.1", "tech1")  # usernames ignore case
    assert refused.value.status == 429
    assert refused.value.headers["Retry-After"] == "60"
    throttle.check("10.0.0.2", "tech1")  # another address is not affected
    clock.now += 61
    throttle.check("10.0.0.1", "tech1")
    throttle.failed("10.0.0.1", "tech1")
    throttle.succeeded("10.0.0.1", "tech1")
    throttle.check("10.0.0.1", "tech1")


def test_per_address_limit_covers_many_usernames() -> None:
    throttle = LoginThrottle(per_user=5, per_address=4, window_seconds=60, clock=FakeClock())
    for n in range(4):
        throttle.failed("10.0.0.9", f"user{n}")
    with pytest.raises(ApiError):
        throttle.check("10.0.0.9", "someone-new")
