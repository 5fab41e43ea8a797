"""The login throttle in the database: limits, window, parallel attempts, pruning, restarts."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from shopfloor.domain import (
    AuthenticationFailed,
    ManualClock,
    Shop,
    TooManyAttempts,
    attempt,
    authenticate,
    log_in,
    users,
)
from shopfloor.domain.database import create_db_engine
from shopfloor.domain.models import ThrottleEntry
from shopfloor.domain.throttle import terminal_client
from shopfloor.domain.users import authenticate_badge, is_badge, set_badge, set_pin

from ..conftest import People, fast_hasher

WEEK = timedelta(days=7)


class RefusedToken(Exception):
    """What the API raises for a token it refuses, as far as the throttle cares."""


def fail(shop: Shop, username: str = "tech1", client: str = "10.0.0.1") -> None:
    with pytest.raises(AuthenticationFailed):
        log_in(shop, username, "wrong", client=client, refresh_lifetime=WEEK)


def test_five_failures_lock_the_username_for_that_client_until_the_window_passes(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    for _ in range(5):
        fail(shop, "Tech1")
    with pytest.raises(TooManyAttempts) as refused:
        log_in(shop, "tech1", "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)
    assert refused.value.retry_after == 300
    assert "wait 300 seconds" in refused.value.message
    # Another client, or another username, is not affected.
    assert log_in(shop, "tech1", "secret-pw", client="10.0.0.2", refresh_lifetime=WEEK)
    assert log_in(shop, "tech2", "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)
    clock.advance(seconds=299)
    with pytest.raises(TooManyAttempts) as refused:
        log_in(shop, "tech1", "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)
    assert refused.value.retry_after == 1
    clock.advance(seconds=1)
    assert log_in(shop, "tech1", "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)


def test_a_success_clears_the_usernames_failures(shop: Shop, people: People) -> None:
    for _ in range(4):
        fail(shop)
    log_in(shop, "tech1", "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)
    for _ in range(5):
        fail(shop)
    with pytest.raises(TooManyAttempts):
        fail(shop)


def test_the_terminal_login_is_throttled_by_the_same_rule(shop: Shop, people: People) -> None:
    """The TUI's login (and unlock) calls ``authenticate`` with its terminal's client name."""
    bay = terminal_client("bay-1")
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            authenticate(shop, "qc", "wrong", client=bay)
    with pytest.raises(TooManyAttempts, match="Too many failed logins"):
        authenticate(shop, "qc", "secret-pw", client=bay)


def test_wrong_passwords_at_one_terminal_do_not_lock_the_user_at_another(
    shop: Shop, people: People
) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            authenticate(shop, "qc", "wrong", client=terminal_client("bay-1"))
    assert authenticate(shop, "qc", "secret-pw", client=terminal_client("bay-2")).id == people.qc


def test_a_prankster_at_one_terminal_cannot_lock_every_terminal(shop: Shop, people: People) -> None:
    prankster = terminal_client("bay-1")
    for n in range(100):
        with pytest.raises(AuthenticationFailed):
            authenticate(shop, f"nobody{n}", "wrong", client=prankster)
    with pytest.raises(TooManyAttempts):
        authenticate(shop, "tech2", "secret-pw", client=prankster)
    assert authenticate(shop, "tech2", "secret-pw", client=terminal_client("bay-2"))


def test_wrong_pins_have_their_own_count_and_leave_the_password_alone(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    bay = terminal_client("bay-1")
    set_badge(shop, None, people.tech1, "BADGE-0001")
    set_pin(shop, None, people.tech1, "2468")
    for _ in range(5):
        with pytest.raises(AuthenticationFailed, match="Badge or PIN not recognised"):
            authenticate_badge(shop, "BADGE-0001", "1111", client=bay)
    with pytest.raises(TooManyAttempts, match="badge logins") as refused:
        authenticate_badge(shop, "BADGE-0001", "2468", client=bay)
    assert refused.value.retry_after == 300
    # The password still works here, and the badge at another terminal.
    assert authenticate(shop, "tech1", "secret-pw", client=bay).id == people.tech1
    assert authenticate_badge(shop, "badge-0001", "2468", client=terminal_client("bay-2"))
    clock.advance(minutes=5)
    assert authenticate_badge(shop, "BADGE-0001", "2468", client=bay).id == people.tech1


def test_unknown_badges_at_one_terminal_hit_its_badge_limit(shop: Shop, people: People) -> None:
    bay = terminal_client("bay-1")
    set_badge(shop, None, people.tech1, "BADGE-0001")
    set_pin(shop, None, people.tech1, "2468")
    for n in range(30):
        with pytest.raises(AuthenticationFailed):
            authenticate_badge(shop, f"GUESS-{n:04d}", "0000", client=bay)
    with pytest.raises(TooManyAttempts):
        authenticate_badge(shop, "BADGE-0001", "2468", client=bay)
    assert authenticate_badge(shop, "BADGE-0001", "2468", client=terminal_client("bay-2"))


def test_many_usernames_from_one_client_hit_the_per_client_limit(
    shop: Shop, people: People
) -> None:
    for n in range(100):
        fail(shop, f"nobody{n}")
    with pytest.raises(TooManyAttempts):
        log_in(shop, "tech2", "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)


def test_refused_tokens_are_limited_per_client(shop: Shop, clock: ManualClock) -> None:
    for _ in range(100):
        with pytest.raises(RefusedToken), attempt(shop, "10.0.0.7"):
            raise RefusedToken
    with pytest.raises(TooManyAttempts, match="refused tokens"), attempt(shop, "10.0.0.7"):
        pass
    with attempt(shop, "10.0.0.8"):
        pass
    clock.advance(minutes=5)
    with attempt(shop, "10.0.0.7"):
        pass


def test_the_throttle_survives_a_restart(db_url: str, shop: Shop, people: People) -> None:
    for _ in range(5):
        fail(shop)
    restarted = Shop(create_db_engine(db_url), clock=shop.clock, hasher=fast_hasher())
    try:
        with pytest.raises(TooManyAttempts):
            log_in(restarted, "tech1", "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)
    finally:
        restarted.dispose()


def entries(shop: Shop) -> int:
    with shop.transaction(write=False) as tx:
        return int(tx.session.scalar(select(func.count()).select_from(ThrottleEntry)) or 0)


def test_old_entries_are_pruned_by_age_and_recent_ones_kept(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    for n in range(30):
        fail(shop, client=f"10.1.0.{n}")
    assert entries(shop) == 60  # per client, and per client and username
    clock.advance(minutes=4)
    fail(shop, client="10.2.0.1")
    assert entries(shop) == 62  # nothing is old enough yet
    clock.advance(minutes=1)
    fail(shop, client="10.3.0.1")
    assert entries(shop) == 4  # the 30 clients' windows have passed; recent ones remain
    for _ in range(4):
        fail(shop, client="10.2.0.1")
    with pytest.raises(TooManyAttempts):
        fail(shop, client="10.2.0.1")


class GatedHasher(PasswordHasher):
    """Holds every password check until the test releases them, to overlap logins."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.waiting = 0
        self.released = False
        self.changed = threading.Condition()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self.changed:
            self.waiting += 1
            self.changed.notify_all()
            assert self.changed.wait_for(lambda: self.released, timeout=30)
        return super().verify(hash, password)


def test_parallel_wrong_passwords_never_get_more_than_the_limit(
    shop: Shop, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """16 logins at once: exactly 5 reach the password check, the others are refused."""
    # Let every check run at once (as on a machine with many CPUs), to overlap them all.
    monkeypatch.setattr(users, "PASSWORD_CHECKS", threading.BoundedSemaphore(16))
    gate = GatedHasher()
    shop.hasher = gate
    outcomes: Counter[str] = Counter()

    def one() -> None:
        try:
            log_in(shop, "tech1", "wrong", client="10.0.0.1", refresh_lifetime=WEEK)
        except AuthenticationFailed:
            outcome = "wrong password"
        except TooManyAttempts:
            outcome = "throttled"
        with gate.changed:
            outcomes[outcome] += 1
            gate.changed.notify_all()

    threads = [threading.Thread(target=one) for _ in range(16)]
    for thread in threads:
        thread.start()
    # Release the checks only once every login is either refused or held at its check.
    with gate.changed:
        assert gate.changed.wait_for(
            lambda: gate.waiting + outcomes["throttled"] == 16, timeout=30
        ), (gate.waiting, outcomes)
        gate.released = True
        gate.changed.notify_all()
    for thread in threads:
        thread.join(timeout=30)
    assert gate.waiting == 5  # password checks made: never more than the limit
    assert outcomes == {"wrong password": 5, "throttled": 11}


def test_asking_whether_a_code_is_a_badge_counts_unknown_codes_at_that_terminal(
    shop: Shop, people: People
) -> None:
    bay = terminal_client("bay-1")
    set_badge(shop, None, people.tech1, "BADGE-0001")
    assert is_badge(shop, "badge-0001", client=bay)
    for n in range(30):
        assert not is_badge(shop, f"GUESS-{n:04d}", client=bay)
    with pytest.raises(TooManyAttempts, match="badge logins"):
        is_badge(shop, "BADGE-0001", client=bay)
    assert is_badge(shop, "BADGE-0001", client=terminal_client("bay-2"))
