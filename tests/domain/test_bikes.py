"""Bikes: normalised codes, suggestions, archive and restore, the intake preview."""

from __future__ import annotations

import pytest

from shopfloor.domain import (
    NotFound,
    PermissionDenied,
    RuleViolation,
    Shop,
    TransitionNotAllowed,
    ValidationFailed,
    archive_bike,
    bike_state,
    create_bike,
    get_bike_by_code,
    list_bikes,
    normalise_bike_code,
    restore_bike,
    suggest_bike_codes,
)

from ..conftest import T0, People
from ..factories import intake


def test_codes_are_normalised() -> None:
    assert normalise_bike_code("  rm - 00 12\t") == "RM-0012"


def test_create_bike_normalises_and_refuses_duplicates(shop: Shop, people: People) -> None:
    bike = create_bike(shop, people.manager, " rm-00 01 ")
    assert (bike.bike_code, bike.status, bike.is_active) == ("RM-0001", "ready", True)
    with pytest.raises(ValidationFailed, match="already exists") as err:
        create_bike(shop, people.master, "RM-0001")
    assert err.value.field == "bike_code"


@pytest.mark.parametrize("who", ["tech1", "qc", "nobody"])
def test_only_bike_managers_add_bikes(shop: Shop, people: People, who: str) -> None:
    with pytest.raises(PermissionDenied, match="may not manage bikes"):
        create_bike(shop, getattr(people, who), "RM-0001")


def test_suggestions_rank_prefix_then_substring_then_fuzzy(shop: Shop, people: People) -> None:
    for code in ["RM-0420", "RM-1042", "RM-0042", "RM-0421", "RM-9999", "RM-0402"]:
        create_bike(shop, people.master, code)
    by_prefix = suggest_bike_codes(shop, "rm-042")
    assert by_prefix[:2] == ["RM-0420", "RM-0421"]  # prefix matches first, in code order
    assert {"RM-0042", "RM-0402"} <= set(by_prefix[2:])  # then near misses
    assert "RM-9999" not in by_prefix
    # No code starts with "042": substring matches, in code order.
    assert suggest_bike_codes(shop, "042")[:4] == ["RM-0042", "RM-0420", "RM-0421", "RM-1042"]
    assert suggest_bike_codes(shop, "999") == ["RM-9999"]
    with pytest.raises(ValidationFailed, match="at least 2 characters") as err:
        suggest_bike_codes(shop, " r ")
    assert err.value.field == "q"


def test_suggestions_catch_a_swapped_dropped_added_or_changed_character(
    shop: Shop, people: People
) -> None:
    for n in range(1, 41):
        create_bike(shop, people.master, f"RM-{1000 + n}")
    assert suggest_bike_codes(shop, "RM-1050")[0] == "RM-1005"  # two digits swapped
    assert "RM-1005" in suggest_bike_codes(shop, "RM-105")  # a digit dropped
    assert suggest_bike_codes(shop, "RM-10005")[0] == "RM-1005"  # a digit added
    assert "RM-1005" in suggest_bike_codes(shop, "RM-1095")  # a digit changed
    assert suggest_bike_codes(shop, "RM-7777") == []  # nothing near: nothing offered


def test_typo_matches_come_after_prefix_and_substring_matches(shop: Shop, people: People) -> None:
    for code in ["RM-1005", "RM-1050", "RM-10501", "RM-2105"]:
        create_bike(shop, people.master, code)
    # prefix matches, then codes one slip away (nearest first, then in code order)
    assert suggest_bike_codes(shop, "RM-105") == ["RM-1050", "RM-10501", "RM-1005", "RM-2105"]
    # substring matches, then the code one slip away
    assert suggest_bike_codes(shop, "105") == ["RM-1050", "RM-10501", "RM-2105", "RM-1005"]


def test_suggestions_leave_out_archived_bikes(shop: Shop, people: People) -> None:
    old = create_bike(shop, people.master, "RM-0500")
    create_bike(shop, people.master, "RM-0501")
    archive_bike(shop, people.master, old.id)
    assert suggest_bike_codes(shop, "RM-05") == ["RM-0501"]


def test_archive_and_restore(shop: Shop, people: People, clock: object) -> None:
    bike = create_bike(shop, people.master, "RM-0001")
    archived = archive_bike(shop, people.manager, bike.id)
    assert (archived.is_active, archived.archived_at) == (False, T0)
    with pytest.raises(TransitionNotAllowed, match="already archived"):
        archive_bike(shop, people.manager, bike.id)
    with pytest.raises(ValidationFailed, match="archived; restore it instead"):
        create_bike(shop, people.master, "RM-0001")
    restored = restore_bike(shop, people.manager, bike.id)
    assert (restored.is_active, restored.archived_at) == (True, None)
    with pytest.raises(TransitionNotAllowed, match="not archived"):
        restore_bike(shop, people.manager, bike.id)
    with pytest.raises(NotFound):
        restore_bike(shop, people.manager, 999)


def test_a_bike_with_an_active_ticket_cannot_be_archived(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master)
    with pytest.raises(RuleViolation, match=f"active ticket #{ticket.id}"):
        archive_bike(shop, people.manager, ticket.bike)


def test_bike_state_tells_intake_what_it_will_meet(shop: Shop, people: People) -> None:
    create_bike(shop, people.master, "RM-0001")
    busy = intake(shop, people.master, "RM-0002")
    gone = create_bike(shop, people.master, "RM-0003")
    archive_bike(shop, people.master, gone.id)

    assert bike_state(shop, "rm-0001").label == "ready"
    state = bike_state(shop, "RM-0002")
    assert (state.label, state.active_ticket_id) == ("has_active_ticket", busy.id)
    assert bike_state(shop, "RM-0003").label == "archived"
    unknown = bike_state(shop, "RM-0009")
    assert unknown.label == "unknown"
    assert unknown.suggestions[:3] == ("RM-0001", "RM-0002", "RM-0003")[:3] or unknown.suggestions
    invalid = bike_state(shop, "RM-00")
    assert invalid.label == "invalid"
    assert "RM-0001" in invalid.suggestions


def test_bike_list_pages_and_filters(shop: Shop, people: People) -> None:
    for i in range(15):
        create_bike(shop, people.master, f"RM-{i:04d}")
    archive_bike(shop, people.master, get_bike_by_code(shop, "RM-0003").id)
    page = list_bikes(shop, page=2, per_page=10)
    assert [b.bike_code for b in page.items] == [f"RM-{i:04d}" for i in range(10, 15)]
    assert list_bikes(shop, archived=True).items[0].bike_code == "RM-0003"
    assert list_bikes(shop, archived=False).total_count == 14
    assert list_bikes(shop, query="rm-001").total_count == 5
    with pytest.raises(ValidationFailed, match="Unknown bike status"):
        list_bikes(shop, status="broken")
    with pytest.raises(NotFound, match="No bike RM-9999"):
        get_bike_by_code(shop, "RM-9999")
