"""Every rules change is a numbered version with who, when and what; a rollback is one more."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shopfloor.domain import (
    NotFound,
    PermissionDenied,
    Shop,
    ValidationFailed,
    rollback_rules,
    rules_history,
    set_checklist_template,
    set_rule,
    set_rule_amounts,
    set_self_inspection,
    set_timer_rules,
    shop_rules,
    timer_rules,
)
from shopfloor.domain.checklists import DEFAULT_CHECKLIST

from ..conftest import People


def test_a_fresh_shop_has_no_version_until_the_rules_change(shop: Shop, people: People) -> None:
    assert rules_history(shop, people.admin) == []


def test_the_first_change_records_the_rules_before_it_and_after_it(
    shop: Shop, people: People
) -> None:
    set_timer_rules(shop, people.admin, pause_budget_minutes=45)
    newest, first = rules_history(shop, people.admin)
    assert (first.version, first.changed_by_name) == (1, "local operator")
    assert first.rules["pause_budget_minutes"] == 30
    assert newest.version == 2
    assert newest.changed_by == people.admin
    assert newest.changed_by_name == "Admin"
    assert newest.what == "pause_budget_minutes: 30 -> 45"
    assert newest.rules["pause_budget_minutes"] == 45


def test_every_kind_of_rules_change_is_a_version(shop: Shop, people: People) -> None:
    set_self_inspection(shop, people.admin, True)
    set_checklist_template(shop, people.master, list(DEFAULT_CHECKLIST)[:10])
    set_rule_amounts(shop, people.admin, xp_srt_divisor=15, xp_first_pass_bonus=2)
    set_timer_rules(shop, None, shift_end="18:00")
    whats = [v.what for v in rules_history(shop, people.admin)]
    assert whats[:4] == [
        "shift_end: none -> 18:00",
        "xp_first_pass_bonus: 1 -> 2; xp_srt_divisor: 20 -> 15",
        "default_checklist changed (10 items)",
        "allow_self_inspection: no -> yes",
    ]
    assert len(whats) == 5


def test_a_change_that_changes_nothing_records_no_version(shop: Shop, people: People) -> None:
    set_timer_rules(shop, people.admin, pause_budget_minutes=45)
    set_timer_rules(shop, people.admin, pause_budget_minutes=45)
    assert len(rules_history(shop, people.admin)) == 2


def test_rolling_back_makes_a_new_version_equal_to_the_old_one(shop: Shop, people: People) -> None:
    set_timer_rules(shop, people.admin, pause_budget_minutes=45, time_zone="Europe/Prague")
    made = rollback_rules(shop, people.admin, 1)
    assert made.version == 3
    assert made.what.startswith("Rolled back to version 1: ")
    assert "pause_budget_minutes: 45 -> 30" in made.what
    assert made.changed_by == people.admin
    rules = timer_rules(shop)
    assert (rules.pause_budget_minutes, rules.time_zone) == (30, "UTC")
    history = rules_history(shop, people.admin)
    assert history[0].rules == history[-1].rules
    assert [v.version for v in history] == [3, 2, 1]


def test_a_rollback_to_the_rules_as_they_are_is_refused(shop: Shop, people: People) -> None:
    set_timer_rules(shop, people.admin, pause_budget_minutes=45)
    with pytest.raises(ValidationFailed, match="already are as version 2"):
        rollback_rules(shop, people.admin, 2)
    with pytest.raises(NotFound, match="no rules version 9"):
        rollback_rules(shop, people.admin, 9)


def test_only_super_admins_roll_back_and_only_rule_editors_read_the_history(
    shop: Shop, people: People
) -> None:
    set_timer_rules(shop, people.manager, pause_budget_minutes=45)
    assert rules_history(shop, people.manager)[0].changed_by_name == "Manager"
    with pytest.raises(PermissionDenied):
        rollback_rules(shop, people.manager, 1)
    with pytest.raises(PermissionDenied):
        rules_history(shop, people.tech1)
    with pytest.raises(PermissionDenied):
        set_rule_amounts(shop, people.manager, xp_srt_divisor=10)


def test_amounts_out_of_range_are_refused_by_name(shop: Shop, people: People) -> None:
    with pytest.raises(ValidationFailed) as err:
        set_rule_amounts(shop, people.admin, xp_srt_divisor=0)
    assert err.value.field == "xp_srt_divisor"
    assert rules_history(shop, people.admin) == []


def test_versions_are_append_only(shop: Shop, people: People) -> None:
    set_timer_rules(shop, people.admin, pause_budget_minutes=45)
    for statement in (
        "UPDATE workshop_rules_versions SET what = 'x'",
        "DELETE FROM workshop_rules_versions",
    ):
        with pytest.raises(DBAPIError, match="append-only"), shop.engine.begin() as conn:
            conn.execute(text(statement))


def test_the_part_level_rules_are_versioned_and_rolled_back_too(shop: Shop, people: People) -> None:
    set_rule(shop, people.admin, "review_required", True)
    set_rule(shop, people.admin, "inspector_xp_pass", 2)
    newest, review, _before = rules_history(shop, people.admin)
    assert review.what == "review_required: no -> yes"
    assert newest.what == "inspector_xp_pass: 0 -> 2"
    rollback_rules(shop, people.admin, review.version - 1)
    assert shop_rules(shop, people.admin).review_required is False
    assert shop_rules(shop, people.admin).inspector_xp_pass == 0
