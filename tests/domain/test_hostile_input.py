"""Text and numbers the databases cannot store get the same clear error on both backends."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from shopfloor.domain import (
    AuthenticationFailed,
    NotFound,
    Shop,
    ValidationFailed,
    assign_ticket,
    authenticate,
    bike_state,
    create_bike,
    create_user,
    get_bike_by_code,
    get_ticket,
    list_bikes,
    list_tickets,
    suggest_bike_codes,
)

from ..conftest import People
from ..factories import CHECKLIST, intake

NUL = "\x00"
LONE_SURROGATE = "\ud800"


@pytest.mark.parametrize("bad", [NUL, LONE_SURROGATE])
@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("title", lambda bad: {"title": f"Brakes{bad}"}),
        ("checklist_snapshot", lambda bad: {"checklist": [*CHECKLIST[:9], f"Test{bad}"]}),
        (
            "checklist_snapshot",
            lambda bad: {"checklist": [{"task": f"T{i}", "note": bad} for i in range(10)]},
        ),
        (
            "bike_creation_reason",
            lambda bad: {
                "bike_code": "RM-0002",
                "confirm_create_bike": True,
                "bike_creation_reason": f"new{bad}",
            },
        ),
    ],
)
def test_unstorable_text_is_refused_naming_the_field(
    shop: Shop, people: People, bad: str, field: str, overrides: Callable[[str], dict[str, Any]]
) -> None:
    with pytest.raises(ValidationFailed, match="control character or broken Unicode") as err:
        intake(shop, people.master, **overrides(bad))
    assert err.value.field == field
    assert list_tickets(shop).total_count == 0


@pytest.mark.parametrize("bad", [NUL, LONE_SURROGATE])
def test_codes_and_queries_drop_what_cannot_be_typed(shop: Shop, people: People, bad: str) -> None:
    intake(shop, people.master, "RM-0001")
    assert suggest_bike_codes(shop, f"RM-0{bad}0") == ["RM-0001"]
    assert bike_state(shop, f"RM-00{bad}01").label == "has_active_ticket"


def test_user_text_and_passwords(shop: Shop, people: People) -> None:
    with pytest.raises(ValidationFailed) as err:
        create_user(shop, None, "sam", "pw-1234", first_name=f"Sam{NUL}")
    assert err.value.field == "first_name"
    with pytest.raises(ValidationFailed) as err:
        create_user(shop, None, "sam", f"pw-1234{LONE_SURROGATE}")
    assert err.value.field == "password"
    for password in (f"secret-pw{NUL}", f"secret-pw{LONE_SURROGATE}"):
        with pytest.raises(AuthenticationFailed):
            authenticate(shop, "tech1", password)


@pytest.mark.parametrize(
    ("field", "call"),
    [
        ("ticket_id", lambda shop, p, t: get_ticket(shop, 10**30)),
        ("technician_id", lambda shop, p, t: assign_ticket(shop, p.manager, t, 2**31)),
        ("technician_id", lambda shop, p, t: list_tickets(shop, technician_id=2**40)),
        ("srt_total_minutes", lambda shop, p, t: intake(shop, p.master, "RM-0009", srt=2**33)),
    ],
)
def test_numbers_beyond_the_columns_are_refused_alike_on_both_databases(
    shop: Shop, people: People, field: str, call: Callable[..., object]
) -> None:
    ticket = intake(shop, people.master)
    with pytest.raises(ValidationFailed, match="out of range") as err:
        call(shop, people, ticket.id)
    assert (err.value.field, err.value.code) == (field, "out_of_range")
    assert list_tickets(shop, technician_id=2**31 - 1).total_count == 0  # in range: no such user


def test_an_unreachable_database_is_a_domain_error_every_entrypoint_can_show() -> None:
    from shopfloor.domain import ShopUnavailable
    from shopfloor.domain.database import create_db_engine

    engine = create_db_engine(
        "postgresql://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    try:
        with pytest.raises(ShopUnavailable, match="unavailable or busy; try again") as err:
            list_tickets(Shop(engine))
        assert err.value.code == "database_unavailable"
    finally:
        engine.dispose()


LONG_CODE = "RM-" + "7" * 100_000


@pytest.mark.parametrize(
    ("field", "call"),
    [
        ("bike_code", lambda shop, p: intake(shop, p.master, LONG_CODE, create_bike_first=False)),
        ("bike_code", lambda shop, p: create_bike(shop, p.master, LONG_CODE)),
        ("bike_code", lambda shop, p: list_tickets(shop, bike_code=LONG_CODE)),
        ("q", lambda shop, p: list_bikes(shop, query=LONG_CODE)),
        ("q", lambda shop, p: suggest_bike_codes(shop, LONG_CODE)),
    ],
)
def test_codes_longer_than_any_bike_code_are_refused_in_a_sentence(
    shop: Shop, people: People, field: str, call: Callable[..., object]
) -> None:
    # SQLite refuses LIKE patterns past 50,000 bytes ("LIKE pattern too complex"), which
    # surfaced as "database unavailable"; a code longer than any code is simply invalid.
    intake(shop, people.master, "RM-7777")
    with pytest.raises(ValidationFailed, match="100003 characters long") as err:
        call(shop, people)
    assert err.value.field == field
    assert len(err.value.message) < 200


def test_long_codes_get_no_suggestions_but_no_failure_either(shop: Shop, people: People) -> None:
    intake(shop, people.master, "RM-7777")
    assert bike_state(shop, LONG_CODE).suggestions == ()
    with pytest.raises(NotFound, match="No bike"):
        get_bike_by_code(shop, LONG_CODE)


def _nested(depth: int) -> Any:
    item: Any = {"task": "deep"}
    for _ in range(depth):
        item = {"task": "deep", "note": item}
    return item


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (_nested(300), "Checklist item 10 has a bad note"),
        ({"task": "x", "sub": [1, 2]}, "Checklist item 10 has an unknown field 'sub'"),
        ({"task": "x", "done": "yes"}, "Checklist item 10 has a bad done"),
        ({"task": "x", "done": float("nan")}, "Checklist item 10 has a bad done"),
        ({"task": "x", "ref": float("nan")}, "Checklist item 10 has a bad ref"),
        ({"task": "x", "ref": float("inf")}, "Checklist item 10 has a bad ref"),
        ({"task": "x", "ref": 1.5}, "Checklist item 10 has a bad ref"),
        ({"task": "x", "ref": 2**60}, "Checklist item 10 has a bad ref"),
        ({"task": "x", "note": "n" * 501}, "Checklist item 10 has a bad note"),
        ({"task": "x" * 501}, "Checklist item 10 is longer than 500"),
        (["Check brakes"], "Checklist item 10 must be text or an object"),
        (float("nan"), "Checklist item 10 must be text or an object"),
    ],
)
def test_checklist_items_are_a_task_and_a_few_flat_known_fields(
    shop: Shop, people: People, item: Any, expected: str
) -> None:
    with pytest.raises(ValidationFailed, match=re.escape(expected)) as err:
        intake(shop, people.master, checklist=[*CHECKLIST[:9], item])
    assert err.value.field == "checklist_snapshot"
    assert list_tickets(shop).total_count == 0


def test_known_item_fields_are_kept(shop: Shop, people: People) -> None:
    item = {"task": " Bleed brakes ", "done": False, "note": "DOT 4", "ref": "B-12"}
    ticket = intake(shop, people.master, checklist=[*CHECKLIST[:9], item])
    assert ticket.checklist_snapshot[9] == {**item, "task": "Bleed brakes"}


def test_more_than_two_hundred_items_are_refused_before_being_read(
    shop: Shop, people: People
) -> None:
    with pytest.raises(ValidationFailed, match="201 items; at most 200"):
        intake(shop, people.master, checklist=[object()] * 201)


def store_checklist_behind_the_domain(shop: Shop, ticket_id: int, raw_json: str) -> None:
    """What data written before today's rules (or by hand) may look like."""
    cast = "CAST(:v AS jsonb)" if shop.dialect == "postgresql" else ":v"
    with shop.engine.begin() as conn:
        conn.execute(
            text(f"UPDATE tickets SET checklist_snapshot = {cast} WHERE id = :id"),
            {"v": raw_json, "id": ticket_id},
        )


def legacy_checklist(dialect: str) -> str:
    odd = [
        _nested(300),
        {"task": "ok", "done": True, "extra": {"a": [1]}},
        {"no": "task"},
        7,
        None,
        [["nested"]],
        "Plain task",
    ]
    raw = json.dumps(odd)
    # SQLite stores NaN where PostgreSQL refuses it; both must read back.
    return raw.replace("7,", "NaN, 7,") if dialect == "sqlite" else raw


def test_odd_stored_checklists_still_read_as_valid_items(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master)
    store_checklist_behind_the_domain(shop, ticket.id, legacy_checklist(shop.dialect))
    for view in (get_ticket(shop, ticket.id), list_tickets(shop).items[0]):
        for item in view.checklist_snapshot:
            assert isinstance(item, str) or (
                isinstance(item, dict) and set(item) <= {"task", "done", "critical", "note", "ref"}
            ), item
            assert json.dumps(item, allow_nan=False)
        assert view.checklist_snapshot[1] == {"task": "ok", "done": True}
        assert view.checklist_snapshot[-1] == "Plain task"
    store_checklist_behind_the_domain(shop, ticket.id, '{"not": "a list"}')
    assert get_ticket(shop, ticket.id).checklist_snapshot == ()
