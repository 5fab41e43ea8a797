"""Users: roles, case-insensitive names, argon2id hashes that are refreshed, deactivation."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from shopfloor.domain import (
    AuthenticationFailed,
    ManualClock,
    PermissionDenied,
    Shop,
    ValidationFailed,
    authenticate,
    create_user,
    list_users,
    set_active,
    set_roles,
)
from shopfloor.domain.models import User

from ..conftest import People


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


def test_a_session_lasts_only_while_the_user_is_active(shop: Shop, people: People) -> None:
    from shopfloor.domain import session_user

    assert session_user(shop, people.tech1).role_slugs == ("technician",)
    set_active(shop, None, people.tech1, False)
    for user_id in (people.tech1, 9999):
        with pytest.raises(AuthenticationFailed, match="log in again") as err:
            session_user(shop, user_id)
        assert err.value.code == "user_inactive"


def test_a_password_change_ends_sessions_that_began_before(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    from shopfloor.domain import session_user
    from shopfloor.domain.users import change_password

    began = clock.now()
    clock.advance(minutes=5)
    change_password(shop, people.tech1, people.tech1, "my-new-secret")
    with pytest.raises(AuthenticationFailed, match="password was changed") as err:
        session_user(shop, people.tech1, issued_at=began)
    assert err.value.code == "credentials_changed"
    assert session_user(shop, people.tech1, issued_at=clock.now()).id == people.tech1
    assert session_user(shop, people.tech2, issued_at=began).id == people.tech2
