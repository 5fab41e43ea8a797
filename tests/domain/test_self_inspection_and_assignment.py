"""QC by a second pair of eyes, and assignments that say who got the ticket."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shopfloor.domain import (
    PermissionDenied,
    RuleViolation,
    Shop,
    TicketView,
    assign_ticket,
    create_user,
    get_ticket,
    qc_fail,
    qc_pass,
    send_to_qc,
    set_self_inspection,
    start_work_session,
    ticket_transitions,
)

from ..conftest import People
from ..factories import intake


def worked_by_inspector(shop: Shop, people: People) -> tuple[int, int]:
    """A ticket in QC that a user holding technician and QC roles worked on: (ticket, user)."""
    both = create_user(
        shop, None, "ivan", "secret-pw", roles=("technician", "qc_inspector"), first_name="Ivan"
    ).id
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, both)
    start_work_session(shop, both, ticket.id)
    send_to_qc(shop, both, ticket.id)
    return ticket.id, both


@pytest.mark.parametrize("judge", [qc_pass, qc_fail])
def test_who_worked_on_a_ticket_may_not_judge_its_qc(
    shop: Shop, people: People, judge: Callable[..., TicketView]
) -> None:
    ticket_id, both = worked_by_inspector(shop, people)
    with pytest.raises(PermissionDenied, match=r"You worked on ticket #.*another inspector"):
        judge(shop, both, ticket_id, "Looks fine")
    assert get_ticket(shop, ticket_id).status == "waiting_qc"
    assert ticket_transitions(shop, ticket_id)[0].action == "to_waiting_qc"


def test_an_earlier_work_session_still_counts_after_someone_else_reworked_it(
    shop: Shop, people: People
) -> None:
    ticket_id, both = worked_by_inspector(shop, people)
    qc_fail(shop, people.qc, ticket_id, "Brake rubs")
    assign_ticket(shop, people.manager, ticket_id, people.tech1)
    start_work_session(shop, people.tech1, ticket_id)
    send_to_qc(shop, people.tech1, ticket_id)
    with pytest.raises(PermissionDenied, match="you may not pass or fail its QC"):
        qc_pass(shop, both, ticket_id)


def test_another_inspector_may_judge_it(shop: Shop, people: People) -> None:
    ticket_id, _ = worked_by_inspector(shop, people)
    assert qc_pass(shop, people.qc, ticket_id).ticket.status == "done"


def test_a_one_person_shop_may_switch_the_rule_off(shop: Shop, people: People) -> None:
    ticket_id, both = worked_by_inspector(shop, people)
    assert set_self_inspection(shop, people.admin, True) is True
    assert qc_pass(shop, both, ticket_id).ticket.status == "done"


def test_only_a_super_admin_changes_the_rule(shop: Shop, people: People) -> None:
    with pytest.raises(PermissionDenied, match="change the workshop's rules"):
        set_self_inspection(shop, people.master, True)


def test_assigning_to_the_current_technician_is_refused_without_an_audit_row(
    shop: Shop, people: People
) -> None:
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    before = ticket_transitions(shop, ticket.id)
    with pytest.raises(RuleViolation, match=r"already assigned to Tech1; nothing changed") as err:
        assign_ticket(shop, people.manager, ticket.id, people.tech1)
    assert err.value.field == "technician_id"
    assert ticket_transitions(shop, ticket.id) == before


def test_history_names_who_each_assignment_went_to(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    assign_ticket(shop, people.master, ticket.id, people.tech2)
    history = ticket_transitions(shop, ticket.id)
    assert [(t.technician_name, t.actor_name) for t in history] == [
        ("Tech2", "Master"),
        ("Tech1", "Manager"),
        (None, "Master"),
    ]
