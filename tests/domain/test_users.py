"""Users: roles, case-insensitive names, argon2id hashes that are refreshed, deactivation."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy.exc import IntegrityError

from shopfloor.domain import (
    AuthenticationFailed,
    ManualClock,
    PermissionDenied,
    Shop,
    TokenGrant,
    ValidationFailed,
    authenticate,
    create_user,
    list_users,
    log_in,
    rotate_refresh,
    session_user,
    set_active,
    set_roles,
    users,
)
from shopfloor.domain.models import User
from shopfloor.domain.throttle import terminal_client
from shopfloor.domain.users import (
    authenticate_badge,
    badge_digest,
    change_password,
    create_user_with_code,
    must_change_password,
    reset_with_code,
    set_badge,
    set_pin,
    store_login,
    user_changes,
    verify_login,
)

from ..conftest import People

WEEK = timedelta(days=7)


def test_users_log_in_with_any_case_of_their_name(shop: Shop, people: People) -> None:
    user = authenticate(shop, "  TECH1 ", "secret-pw")
    assert (user.id, user.role_slugs) == (people.tech1, ("technician",))
    assert user.roles[0].name == "Technician"


def test_wrong_password_or_unknown_user_fail_alike(shop: Shop, people: People) -> None:
    for name, password in (("tech1", "nope"), ("ghost", "secret-pw")):
        with pytest.raises(AuthenticationFailed, match="Wrong username or password"):
            authenticate(shop, name, password)


def test_usernames_are_unique_ignoring_case(shop: Shop, people: People) -> None:
    with pytest.raises(ValidationFailed, match="taken") as err:
        create_user(shop, None, "Tech1", "another-pw")
    assert err.value.field == "username"


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        ("a", "long-enough", "username"),
        ("has space", "long-enough", "username"),
        ("ok", "123", "password"),
    ],
)
def test_bad_user_input_names_the_field(
    username: str, password: str, field: str, shop: Shop
) -> None:
    with pytest.raises(ValidationFailed) as err:
        create_user(shop, None, username, password)
    assert err.value.field == field


def test_unknown_role_lists_the_valid_ones(shop: Shop) -> None:
    with pytest.raises(ValidationFailed, match="use one of: super_admin, ops_manager"):
        create_user(shop, None, "sam", "secret-pw", roles=["boss"])


def test_a_user_without_roles_can_log_in(shop: Shop, people: People) -> None:
    assert authenticate(shop, "nobody", "secret-pw").roles == ()


def test_deactivated_users_cannot_log_in(shop: Shop, people: People) -> None:
    set_active(shop, None, people.tech2, False)
    with pytest.raises(AuthenticationFailed):
        authenticate(shop, "tech2", "secret-pw")
    assert [u.username for u in list_users(shop, role="technician", active_only=True)] == ["tech1"]


def test_only_super_admins_manage_users(shop: Shop, people: People) -> None:
    with pytest.raises(PermissionDenied, match="may not manage users"):
        create_user(shop, people.manager, "sam", "secret-pw")
    sam = create_user(shop, people.admin, "sam", "secret-pw", roles=["technician"])
    assert set_roles(shop, people.admin, sam.id, ["qc_inspector", "technician"]).role_slugs == (
        "qc_inspector",
        "technician",
    )


def test_password_hash_is_argon2id_and_rehashed_when_parameters_change(
    shop: Shop, people: People
) -> None:
    def stored_hash() -> str:
        with shop.transaction(write=False) as tx:
            user = tx.session.get(User, people.tech1)
            assert user is not None
            return user.password_hash

    before = stored_hash()
    assert before.startswith("$argon2id$")
    authenticate(shop, "tech1", "secret-pw")
    assert stored_hash() == before  # same parameters: left alone

    shop.hasher = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    authenticate(shop, "tech1", "secret-pw")
    after = stored_hash()
    assert after != before
    assert "m=2048,t=2" in after
    assert authenticate(shop, "tech1", "secret-pw").id == people.tech1


def test_two_logins_checked_at_once_while_the_hash_is_upgraded_both_get_in(
    shop: Shop, people: People
) -> None:
    shop.hasher = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    # Both checked against the old hash before either stored its rehash.
    first = verify_login(shop, "tech1", "secret-pw", client="10.0.0.1")
    second = verify_login(shop, "tech1", "secret-pw", client="10.0.0.2")
    assert first.new_hash is not None
    assert second.new_hash is not None
    with shop.transaction(write=True) as tx:
        tx.authorise(None)
        assert store_login(tx, first).id == people.tech1
    with shop.transaction(write=True) as tx:
        tx.authorise(None)
        assert store_login(tx, second).id == people.tech1  # not "wrong password"
        kept = tx.session.get(User, people.tech1)
        assert kept is not None
        assert kept.password_hash == first.new_hash
    # A password change between the check and the store still wins.
    third = verify_login(shop, "tech1", "secret-pw", client="10.0.0.3")
    change_password(shop, None, people.tech1, "another-pw")
    with shop.transaction(write=True) as tx:
        tx.authorise(None)
        with pytest.raises(AuthenticationFailed):
            store_login(tx, third)


def test_a_session_lasts_only_while_the_user_is_active(shop: Shop, people: People) -> None:
    assert session_user(shop, people.tech1).role_slugs == ("technician",)
    set_active(shop, None, people.tech1, False)
    for user_id in (people.tech1, 9999):
        with pytest.raises(AuthenticationFailed, match="log in again") as err:
            session_user(shop, user_id)
        assert err.value.code == "user_inactive"


def _version_of(shop: Shop, user_id: int) -> int:
    with shop.transaction(write=False) as tx:
        user = tx.session.get(User, user_id)
        assert user is not None
        return user.credentials_version


def test_a_password_change_ends_tokens_issued_in_the_same_second(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    """The clock does not move: only the credentials version can tell the tokens apart."""
    grant = log_in(shop, "tech1", "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)
    assert session_user(shop, people.tech1, credentials_version=grant.credentials_version)
    change_password(shop, people.tech1, people.tech1, "my-new-secret")
    with pytest.raises(AuthenticationFailed, match="log in again") as err:
        session_user(shop, people.tech1, credentials_version=grant.credentials_version)
    assert err.value.code == "credentials_changed"
    fresh = log_in(shop, "tech1", "my-new-secret", client="10.0.0.1", refresh_lifetime=WEEK)
    assert session_user(shop, people.tech1, credentials_version=fresh.credentials_version)
    # Nobody else's tokens are touched.
    other = _version_of(shop, people.tech2)
    assert session_user(shop, people.tech2, credentials_version=other).id == people.tech2


def test_reactivating_a_user_does_not_revive_tokens_from_before_deactivation(
    shop: Shop, people: People
) -> None:
    grant = log_in(shop, "tech2", "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)
    set_active(shop, None, people.tech2, False)
    set_active(shop, None, people.tech2, True)
    with pytest.raises(AuthenticationFailed) as err:
        session_user(shop, people.tech2, credentials_version=grant.credentials_version)
    assert err.value.code == "credentials_changed"
    with pytest.raises(AuthenticationFailed):
        rotate_refresh(
            shop,
            people.tech2,
            credentials_version=grant.credentials_version,
            family=grant.family,
            refresh_id=grant.refresh_id,
            lifetime=WEEK,
        )
    # Reactivated, the user logs in afresh.
    assert log_in(shop, "tech2", "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)


def _rotate(shop: Shop, grant: TokenGrant) -> TokenGrant:
    return rotate_refresh(
        shop,
        grant.user.id,
        credentials_version=grant.credentials_version,
        family=grant.family,
        refresh_id=grant.refresh_id,
        lifetime=WEEK,
    )


def test_refresh_rotates_and_a_retired_token_revokes_its_family(shop: Shop, people: People) -> None:
    first = log_in(shop, "qc", "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)
    other = log_in(shop, "qc", "secret-pw", client="10.0.0.2", refresh_lifetime=WEEK)
    second = _rotate(shop, first)
    assert second.family == first.family
    assert second.refresh_id != first.refresh_id
    third = _rotate(shop, second)

    with pytest.raises(AuthenticationFailed) as reused:
        _rotate(shop, first)  # retired: someone kept a copy
    assert reused.value.code == "refresh_token_reused"
    # The whole family is over, for the thief and the owner alike...
    with pytest.raises(AuthenticationFailed) as ended:
        _rotate(shop, third)
    assert ended.value.code == "session_revoked"
    with pytest.raises(AuthenticationFailed):
        session_user(
            shop, people.qc, credentials_version=third.credentials_version, family=third.family
        )
    # ...while the user's other login goes on.
    assert _rotate(shop, other).user.id == people.qc


def test_a_retired_refresh_token_does_not_verify(shop: Shop, people: People) -> None:
    first = log_in(shop, "qc", "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)
    second = _rotate(shop, first)
    version = first.credentials_version
    with pytest.raises(AuthenticationFailed) as err:
        session_user(
            shop,
            people.qc,
            credentials_version=version,
            family=first.family,
            refresh_id=first.refresh_id,
        )
    assert err.value.code == "refresh_token_retired"
    assert session_user(
        shop,
        people.qc,
        credentials_version=version,
        family=second.family,
        refresh_id=second.refresh_id,
    )


class SpyHasher(PasswordHasher):
    """A fast hasher that records whether any database connection was in use while hashing."""

    def __init__(self, shop: Shop) -> None:
        super().__init__(time_cost=2, memory_cost=1024, parallelism=1)  # rehashes old ones
        self.shop = shop
        self.busy: list[tuple[str, int]] = []

    def _note(self, what: str) -> None:
        self.busy.append((what, self.shop.engine.pool.checkedout()))

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self._note("verify")
        return super().verify(hash, password)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._note("hash")
        return super().hash(password, salt=salt)


def test_password_checks_run_outside_any_transaction(shop: Shop, people: People) -> None:
    """No connection, so no transaction and no lock, is held while argon2 works."""
    spy = SpyHasher(shop)
    shop.hasher = spy
    authenticate(shop, "tech1", "secret-pw")  # an outdated hash: verified, then rehashed
    log_in(shop, "tech1", "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)
    for name, password in (("tech1", "wrong"), ("ghost", "secret-pw")):
        with pytest.raises(AuthenticationFailed):
            authenticate(shop, name, password)
    assert [what for what, _ in spy.busy].count("verify") == 4
    assert "hash" in [what for what, _ in spy.busy]
    assert {held for _, held in spy.busy} == {0}, spy.busy


def test_an_unknown_username_costs_a_password_check_too(shop: Shop, people: People) -> None:
    spy = SpyHasher(shop)
    shop.hasher = spy
    with pytest.raises(AuthenticationFailed, match="Wrong username or password"):
        authenticate(shop, "ghost", "secret-pw")
    set_active(shop, None, people.tech2, False)
    with pytest.raises(AuthenticationFailed, match="Wrong username or password"):
        authenticate(shop, "tech2", "secret-pw")
    assert [what for what, _ in spy.busy if what == "verify"] == ["verify", "verify"]


class CountingSemaphore:
    """Stands in for the bound on parallel password checks; tells whether it is held."""

    def __init__(self) -> None:
        self.held = threading.local()

    def __enter__(self) -> None:
        self.held.now = True

    def __exit__(self, *_exc: object) -> None:
        self.held.now = False


def test_password_checks_take_turns_so_a_burst_cannot_starve_the_shop(
    shop: Shop, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    turns = CountingSemaphore()
    monkeypatch.setattr(users, "PASSWORD_CHECKS", turns)
    checked: list[bool] = []

    class TurnHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            checked.append(getattr(turns.held, "now", False))
            return super().verify(hash, password)

    shop.hasher = TurnHasher(time_cost=1, memory_cost=1024, parallelism=1)
    authenticate(shop, "tech1", "secret-pw")
    with pytest.raises(AuthenticationFailed):
        authenticate(shop, "ghost", "secret-pw")
    assert checked == [True, True]


def test_a_password_change_during_the_check_wins(shop: Shop, people: People) -> None:
    """A login checked against the old password is not let through after a change."""
    from shopfloor.domain.users import verify_login

    login = verify_login(shop, "tech1", "secret-pw", client="10.0.0.1")
    change_password(shop, None, people.tech1, "changed-meanwhile")
    from shopfloor.domain.sessions import _start_family

    with pytest.raises(AuthenticationFailed):
        _start_family(shop, login, WEEK)


# --- badge and PIN ----------------------------------------------------------------------------

BAY = terminal_client("bay-1")


def test_a_badge_and_pin_log_their_holder_in_whatever_the_case_of_the_scan(
    shop: Shop, people: People
) -> None:
    set_badge(shop, None, people.tech1, "  4711-ab ")
    set_pin(shop, None, people.tech1, "2468")
    assert authenticate_badge(shop, "4711-AB", "2468", client=BAY).id == people.tech1
    assert authenticate_badge(shop, "4711-ab", "2468", client=BAY).id == people.tech1


def test_a_badge_is_stored_as_a_digest_never_in_clear(shop: Shop, people: People) -> None:
    set_badge(shop, None, people.tech1, "4711-AB")
    set_pin(shop, None, people.tech1, "2468")
    with shop.transaction(write=False) as tx:
        user = tx.session.get(User, people.tech1)
        assert user is not None
        assert user.badge_digest == badge_digest("4711-ab")
        assert "4711" not in (user.badge_digest or "")
        assert (user.pin_hash or "").startswith("$argon2id$")


@pytest.mark.parametrize(
    ("badge", "pin"),
    [("4711-AB", "1357"), ("0000-XX", "2468"), ("4711-AB", "24680"), ("4711-AB", "")],
    ids=["wrong pin", "unknown badge", "longer pin", "no pin"],
)
def test_a_wrong_pin_or_unknown_badge_get_one_answer(
    shop: Shop, people: People, badge: str, pin: str
) -> None:
    set_badge(shop, None, people.tech1, "4711-AB")
    set_pin(shop, None, people.tech1, "2468")
    with pytest.raises(AuthenticationFailed, match=r"^Badge or PIN not recognised\.$"):
        authenticate_badge(shop, badge, pin, client=BAY)


def test_a_badge_without_a_pin_or_of_a_deactivated_user_logs_nobody_in(
    shop: Shop, people: People
) -> None:
    set_badge(shop, None, people.tech1, "4711-AB")
    with pytest.raises(AuthenticationFailed):
        authenticate_badge(shop, "4711-AB", "", client=BAY)
    set_pin(shop, None, people.tech1, "2468")
    set_active(shop, None, people.tech1, False)
    with pytest.raises(AuthenticationFailed):
        authenticate_badge(shop, "4711-AB", "2468", client=BAY)


def test_a_badge_belongs_to_one_person(shop: Shop, people: People) -> None:
    set_badge(shop, None, people.tech1, "4711-AB")
    with pytest.raises(ValidationFailed, match="already belongs to another user") as taken:
        set_badge(shop, None, people.tech2, "4711-ab")
    assert taken.value.field == "badge"
    set_badge(shop, None, people.tech1, "4711-AB")  # giving it again to its holder is fine
    set_badge(shop, None, people.tech1, None)
    set_badge(shop, None, people.tech2, "4711-AB")  # removed there: free to give


def test_the_database_refuses_a_second_holder_of_a_badge(shop: Shop, people: People) -> None:
    set_badge(shop, None, people.tech1, "4711-AB")
    with shop.transaction(write=True) as tx:
        user = tx.session.get(User, people.tech2)
        assert user is not None
        user.badge_digest = badge_digest("4711-AB")
        with pytest.raises(IntegrityError):
            tx.session.flush()
        tx.session.rollback()


@pytest.mark.parametrize(
    ("badge", "message"),
    [
        ("abc", "4-64 characters"),
        ("has space", "without spaces"),
        ("RM-1015", "may not start with RM-"),
        ("rm-9999", "may not start with RM-"),
    ],
)
def test_a_badge_code_that_cannot_be_scanned_apart_is_refused(
    shop: Shop, people: People, badge: str, message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message) as refused:
        set_badge(shop, None, people.tech1, badge)
    assert refused.value.field == "badge"


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "١٢٣٤", " 1234"])
def test_a_pin_is_four_to_eight_digits(shop: Shop, people: People, pin: str) -> None:
    with pytest.raises(ValidationFailed, match="4 to 8 digits") as refused:
        set_pin(shop, None, people.tech1, pin)
    assert refused.value.field == "pin"


def test_only_the_user_or_an_admin_sets_a_pin_and_only_an_admin_a_badge(
    shop: Shop, people: People
) -> None:
    set_pin(shop, people.tech1, people.tech1, "2468")
    set_pin(shop, people.admin, people.tech1, "1357")
    with pytest.raises(PermissionDenied):
        set_pin(shop, people.tech2, people.tech1, "0000")
    with pytest.raises(PermissionDenied):
        set_badge(shop, people.tech1, people.tech1, "4711-AB")


def test_a_one_time_code_logs_in_once_until_its_holder_chooses_a_password(
    shop: Shop, people: People
) -> None:
    user, code = create_user_with_code(shop, people.admin, "sam", roles=["technician"])
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert authenticate(shop, "sam", code).id == user.id
    assert must_change_password(shop, user.id)
    change_password(shop, user.id, user.id, "my-own-pw")
    assert not must_change_password(shop, user.id)
    _, again = reset_with_code(shop, people.admin, user.id)
    assert must_change_password(shop, user.id)
    assert authenticate(shop, "sam", again).id == user.id
    with pytest.raises(PermissionDenied):
        reset_with_code(shop, people.tech1, user.id)


def test_every_change_to_a_person_is_logged_with_who_and_when(shop: Shop, people: People) -> None:
    sam = create_user(shop, people.admin, "sam", "pw-12345", roles=["technician"]).id
    set_roles(shop, people.admin, sam, ["technician", "qc_inspector"])
    set_badge(shop, None, sam, "BADGE-77")
    set_pin(shop, people.admin, sam, "2468")
    change_password(shop, sam, sam, "my-own-pw")
    set_active(shop, people.admin, sam, False)
    log = user_changes(shop, people.admin, sam)
    assert [(c.what, c.changed_by_name) for c in log] == [
        ("deactivated", "Admin"),
        ("chose a new password", "sam"),
        ("PIN set", "Admin"),
        ("badge set", "local operator"),
        ("roles: technician -> qc_inspector, technician", "Admin"),
        ("added; roles: technician", "Admin"),
    ]
    with pytest.raises(PermissionDenied):
        user_changes(shop, people.tech1, sam)
