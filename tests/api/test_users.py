"""users/me/ over HTTP: every field the contract lists, null where shopfloor keeps none."""

from __future__ import annotations

from .conftest import Api, Crew

CONTRACT_USER_FIELDS = {
    "id", "username", "first_name", "last_name", "patronymic", "email", "phone", "level",
    "roles", "telegram", "created_at", "updated_at",
}  # fmt: skip


def test_users_me_has_every_contract_field_with_null_for_what_is_not_kept(
    api: Api, crew: Crew
) -> None:
    me = api.ok(api.get("users/me/", crew.master))
    assert set(me) >= CONTRACT_USER_FIELDS
    for field in ("patronymic", "email", "phone", "level", "telegram"):
        assert me[field] is None, field
    assert me["id"] == crew.master.id
    assert me["roles"] == [{"slug": "master", "name": "Master"}]
    assert me["updated_at"].endswith("+00:00")
    assert me["updated_at"] >= me["created_at"]
