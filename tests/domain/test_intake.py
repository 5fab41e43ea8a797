"""Intake: every rule a master meets when taking a bike in."""

from __future__ import annotations

import re

import pytest

from shopfloor.domain import (
    DEFAULT_CHECKLIST,
    PermissionDenied,
    RuleViolation,
    Shop,
    ValidationFailed,
    archive_bike,
    checklist_template,
    create_bike,
    create_ticket,
    get_ticket,
    list_bikes,
    restore_bike,
    set_checklist_template,
    ticket_transitions,
)

from ..conftest import T0, People
from ..factories import CHECKLIST, intake


def test_intake_creates_a_new_ticket_with_approved_srt_and_created_transition(
    shop: Shop, people: People
) -> None:
    ticket = intake(shop, people.master, " rm-0001 ", srt=45)

    assert ticket.status == "new"
    assert ticket.bike_code == "RM-0001"
    assert ticket.srt_approved_by == people.master
    assert ticket.srt_approved_at == T0
    assert ticket.technician is None
    assert list(ticket.checklist_snapshot) == CHECKLIST
    (created,) = ticket_transitions(shop, ticket.id)
    assert created.action == "created"
    assert (created.from_status, created.to_status) == (None, "new")
    assert created.metadata == {
        "bike_code": "RM-0001",
        "bike_created_during_intake": False,
        "bike_creation_reason": None,
        "checklist_items_count": 10,
        "srt_total_minutes": 45,
        "srt_approved": True,
    }


def test_checklist_items_may_be_objects_with_a_task(shop: Shop, people: People) -> None:
    items = [{"task": f"  Task {i} ", "ref": i} for i in range(10)]
    ticket = intake(shop, people.master, checklist=items)
    assert ticket.checklist_snapshot[0] == {"task": "Task 0", "ref": 0}


@pytest.mark.parametrize(
    ("checklist", "expected"),
    [
        (CHECKLIST[:9], "has 9 item(s); at least 10 are required. Add 1 more"),
        ([*CHECKLIST[:9], "   "], "Checklist item 10 is blank"),
        ([*CHECKLIST[:9], {"task": ""}], "Checklist item 10 has no task"),
        ([*CHECKLIST[:9], 7], "Checklist item 10 must be text"),
        ("not a list", "must be a list of tasks"),
    ],
)
def test_bad_checklists_are_refused_naming_the_field(
    shop: Shop, people: People, checklist: object, expected: str
) -> None:
    with pytest.raises(ValidationFailed, match=re.escape(expected)) as err:
        intake(shop, people.master, checklist=checklist)
    assert err.value.field == "checklist_snapshot"
    assert list_bikes(shop).total_count == 1  # the bike made first; no ticket, nothing else


@pytest.mark.parametrize("srt", [0, -5, 1.5, "30", True, 10**12])
def test_srt_must_be_a_positive_whole_number(shop: Shop, people: People, srt: object) -> None:
    with pytest.raises(ValidationFailed) as err:
        intake(shop, people.master, srt=srt)
    assert err.value.field == "srt_total_minutes"


def test_srt_must_be_approved(shop: Shop, people: People) -> None:
    with pytest.raises(ValidationFailed, match="SRT must be approved") as err:
        intake(shop, people.master, approve_srt=False)
    assert err.value.field == "approve_srt"


@pytest.mark.parametrize("code", ["", "XX-0001", "RM-01", "RM-" + "A" * 30, "RM_0001"])
def test_bike_code_must_match_the_pattern(shop: Shop, people: People, code: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        intake(shop, people.master, code, create_bike_first=False)
    assert err.value.field == "bike_code"


def test_unknown_bike_lists_closest_codes_prefix_then_substring_then_fuzzy(
    shop: Shop, people: People
) -> None:
    for code in ["RM-9999", "RM-1001", "RM-X-RM-1000", "RM-1000-B", "RM-1000-A"]:
        create_bike(shop, people.master, code)
    with pytest.raises(ValidationFailed) as err:
        intake(shop, people.master, "rm-1000", create_bike_first=False)
    assert err.value.code == "unknown_bike"
    assert err.value.field == "bike_code"
    assert "Closest codes: RM-1000-A, RM-1000-B, RM-X-RM-1000, RM-1001." in err.value.message
    assert "confirm_create_bike" in err.value.message


def test_an_invalid_partial_code_still_gets_suggestions(shop: Shop, people: People) -> None:
    create_bike(shop, people.master, "RM-1000")
    with pytest.raises(ValidationFailed) as err:
        intake(shop, people.master, "RM-10", create_bike_first=False)
    assert err.value.field == "bike_code"
    assert "Closest codes: RM-1000" in err.value.message


def test_unknown_bike_with_confirmation_needs_a_reason(shop: Shop, people: People) -> None:
    with pytest.raises(ValidationFailed) as err:
        intake(shop, people.master, "RM-7777", create_bike_first=False, confirm_create_bike=True)
    assert err.value.field == "bike_creation_reason"
    assert list_bikes(shop).total_count == 0


def test_unknown_bike_confirmed_with_reason_is_created_during_intake(
    shop: Shop, people: People
) -> None:
    ticket = intake(
        shop,
        people.master,
        "RM-7777",
        create_bike_first=False,
        confirm_create_bike=True,
        bike_creation_reason="New delivery, not yet registered",
    )
    (created,) = ticket_transitions(shop, ticket.id)
    assert created.metadata["bike_created_during_intake"] is True
    assert created.metadata["bike_creation_reason"] == "New delivery, not yet registered"
    assert list_bikes(shop).items[0].bike_code == "RM-7777"


def test_archived_bike_is_refused_with_a_pointer_to_restore(shop: Shop, people: People) -> None:
    bike = create_bike(shop, people.master, "RM-5555")
    archive_bike(shop, people.master, bike.id)
    with pytest.raises(ValidationFailed, match="archived; restore it first") as err:
        intake(
            shop,
            people.master,
            "RM-5555",
            create_bike_first=False,
            confirm_create_bike=True,
            bike_creation_reason="try to recreate",
        )
    assert err.value.code == "bike_archived"
    assert list_bikes(shop).total_count == 1  # never re-created

    restore_bike(shop, people.master, bike.id)
    assert intake(shop, people.master, "RM-5555", create_bike_first=False).bike == bike.id


def test_second_active_ticket_for_a_bike_is_refused(shop: Shop, people: People) -> None:
    first = intake(shop, people.master, "RM-0001")
    with pytest.raises(RuleViolation, match=f"already has active ticket #{first.id}") as err:
        intake(shop, people.master, "RM-0001", create_bike_first=False)
    assert err.value.field == "bike_code"


@pytest.mark.parametrize("who", ["manager", "tech1", "qc", "nobody"])
def test_only_masters_and_super_admins_take_bikes_in(shop: Shop, people: People, who: str) -> None:
    create_bike(shop, people.master, "RM-0001")
    with pytest.raises(PermissionDenied, match="may not create tickets"):
        intake(shop, getattr(people, who), "RM-0001", create_bike_first=False)


def test_super_admin_may_take_bikes_in(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.admin, "RM-0001")
    assert get_ticket(shop, ticket.id).master == people.admin


def test_ticket_title_is_required(shop: Shop, people: People) -> None:
    with pytest.raises(ValidationFailed) as err:
        create_ticket(
            shop,
            people.master,
            bike_code="RM-0001",
            title="  ",
            checklist=CHECKLIST,
            srt_total_minutes=30,
            approve_srt=True,
        )
    assert err.value.field == "title"


def test_the_default_checklist_template_is_the_shops_own_once_saved(
    shop: Shop, people: People
) -> None:
    assert checklist_template(shop) == DEFAULT_CHECKLIST
    mine = [f"  Step {i} " for i in range(12)]
    assert set_checklist_template(shop, people.master, mine)[0] == "Step 0"
    assert checklist_template(shop) == tuple(f"Step {i}" for i in range(12))
    with pytest.raises(ValidationFailed, match="at least 10 are required"):
        set_checklist_template(shop, people.master, mine[:3])
    with pytest.raises(PermissionDenied, match="may not change the default checklist"):
        set_checklist_template(shop, people.manager, mine)
    assert len(checklist_template(shop)) == 12
