"""Assign, start, send to QC, pass and fail: the state machine, the role matrix, side effects."""

from __future__ import annotations

import pytest

from shopfloor.domain import (
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    RuleViolation,
    Shop,
    TransitionNotAllowed,
    ValidationFailed,
    assign_ticket,
    get_bike,
    get_ticket,
    list_tickets,
    list_xp_entries,
    qc_fail,
    qc_pass,
    send_to_qc,
    set_active,
    start_ticket,
    start_work_session,
    ticket_transitions,
    xp_total,
)
from shopfloor.domain.views import TicketView

from ..conftest import People
from ..factories import intake


def in_qc(shop: Shop, people: People, code: str = "RM-0001", srt: int = 45) -> TicketView:
    ticket = intake(shop, people.master, code, srt=srt)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    return send_to_qc(shop, people.tech1, ticket.id)


def test_assign_moves_new_to_assigned_and_records_who(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master)
    assigned = assign_ticket(shop, people.manager, ticket.id, people.tech1)
    assert assigned.status == "assigned"
    assert assigned.technician == people.tech1
    assert assigned.technician_name == "Tech1"
    latest = ticket_transitions(shop, ticket.id)[0]
    assert (latest.action, latest.from_status, latest.to_status) == ("assigned", "new", "assigned")
    assert latest.actor == people.manager
    assert latest.metadata == {"technician_id": people.tech1, "previous_technician_id": None}


def test_reassigning_keeps_rework_visible(shop: Shop, people: People) -> None:
    ticket = in_qc(shop, people)
    qc_fail(shop, people.qc, ticket.id, "Brake rubs")
    reassigned = assign_ticket(shop, people.master, ticket.id, people.tech2)
    assert (reassigned.status, reassigned.technician) == ("rework", people.tech2)


def test_an_assignment_for_a_status_that_moved_on_changes_nothing(
    shop: Shop, people: People
) -> None:
    """A screen that showed the ticket as new must not reassign it once someone assigned it."""
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.master, ticket.id, people.tech1)
    with pytest.raises(TransitionNotAllowed, match="is assigned now, no longer new") as err:
        assign_ticket(shop, people.manager, ticket.id, people.tech2, expected_status="new")
    assert err.value.code == "status_changed"
    assert get_ticket(shop, ticket.id).technician == people.tech1
    assert len(ticket_transitions(shop, ticket.id)) == 2  # created, assigned once


def test_a_qc_pass_for_a_status_that_moved_on_changes_nothing(shop: Shop, people: People) -> None:
    ticket = in_qc(shop, people)
    qc_fail(shop, people.qc, ticket.id, "Brake rubs")
    with pytest.raises(TransitionNotAllowed, match="no longer waiting_qc"):
        qc_pass(shop, people.qc, ticket.id, expected_status="waiting_qc")
    assert get_ticket(shop, ticket.id).status == "rework"


def test_a_qc_fail_for_a_status_that_moved_on_changes_nothing(shop: Shop, people: People) -> None:
    """Two inspectors on one ticket: the second one's fail does not send a passed ticket back."""
    ticket = in_qc(shop, people)
    qc_pass(shop, people.qc, ticket.id, expected_status="waiting_qc")
    with pytest.raises(TransitionNotAllowed, match="is done now, no longer waiting_qc") as err:
        qc_fail(shop, people.admin, ticket.id, "Brake rubs", expected_status="waiting_qc")
    assert err.value.code == "status_changed"
    assert get_ticket(shop, ticket.id).status == "done"
    assert ticket_transitions(shop, ticket.id)[0].action == "qc_pass"


@pytest.mark.parametrize("who", ["master", "manager", "admin"])
def test_masters_managers_and_admins_may_assign(shop: Shop, people: People, who: str) -> None:
    ticket = intake(shop, people.master)
    assert assign_ticket(shop, getattr(people, who), ticket.id, people.tech2).status == "assigned"


@pytest.mark.parametrize("who", ["tech1", "qc", "nobody"])
def test_others_may_not_assign(shop: Shop, people: People, who: str) -> None:
    ticket = intake(shop, people.master)
    with pytest.raises(PermissionDenied, match="may not assign technicians"):
        assign_ticket(shop, getattr(people, who), ticket.id, people.tech1)


def test_assign_target_must_be_an_active_technician(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master)
    with pytest.raises(ValidationFailed, match="not a technician") as err:
        assign_ticket(shop, people.manager, ticket.id, people.qc)
    assert err.value.field == "technician_id"
    with pytest.raises(ValidationFailed, match="No user with id 999"):
        assign_ticket(shop, people.manager, ticket.id, 999)
    set_active(shop, None, people.tech2, False)
    with pytest.raises(ValidationFailed, match="deactivated"):
        assign_ticket(shop, people.manager, ticket.id, people.tech2)
    assert get_ticket(shop, ticket.id).status == "new"


def test_cannot_assign_once_work_started(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_ticket(shop, people.tech1, ticket.id)
    with pytest.raises(TransitionNotAllowed, match="it is in_progress") as err:
        assign_ticket(shop, people.manager, ticket.id, people.tech2)
    assert "new, assigned, rework" in err.value.message


def test_start_puts_the_bike_in_service(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    started = start_ticket(shop, people.tech1, ticket.id)
    assert started.status == "in_progress"
    assert started.started_at is not None
    assert get_bike(shop, ticket.bike).status == "in_service"


def test_only_the_assigned_technician_starts(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    with pytest.raises(PermissionDenied, match="assigned to another technician"):
        start_ticket(shop, people.tech2, ticket.id)
    with pytest.raises(PermissionDenied, match="may not work on tickets"):
        start_ticket(shop, people.master, ticket.id)
    # A super admin may act for the technician.
    assert start_ticket(shop, people.admin, ticket.id).technician == people.tech1


def test_new_ticket_cannot_be_started(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master)
    with pytest.raises(TransitionNotAllowed, match="it is new"):
        start_ticket(shop, people.admin, ticket.id)


def test_one_in_progress_ticket_per_technician(shop: Shop, people: People) -> None:
    first = intake(shop, people.master, "RM-0001")
    second = intake(shop, people.master, "RM-0002")
    for t in (first, second):
        assign_ticket(shop, people.manager, t.id, people.tech1)
    start_ticket(shop, people.tech1, first.id)
    with pytest.raises(RuleViolation, match=f"already has ticket #{first.id} in progress") as err:
        start_ticket(shop, people.tech1, second.id)
    assert err.value.code == "technician_busy"
    assert get_ticket(shop, second.id).status == "assigned"


def test_send_to_qc_only_from_in_progress(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    with pytest.raises(TransitionNotAllowed, match="Cannot send to QC ticket"):
        send_to_qc(shop, people.tech1, ticket.id)


def test_qc_pass_finishes_the_ticket_frees_the_bike_and_pays_xp(shop: Shop, people: People) -> None:
    ticket = in_qc(shop, people, srt=45)
    passed = qc_pass(shop, people.qc, ticket.id)
    done = passed.ticket

    assert (passed.first_pass, passed.xp.base, passed.xp.bonus, passed.xp.total) == (True, 3, 1, 4)
    assert done.status == "done"
    assert done.done_at is not None
    assert done.flag_minutes == 45
    assert get_bike(shop, ticket.bike).status == "ready"
    entries = list_xp_entries(shop, people.tech1)
    assert sorted((e.entry_type, e.amount, e.reference) for e in entries) == [
        ("ticket_base_xp", 3, f"ticket_base_xp:{ticket.id}"),  # ceil(45 / 20)
        ("ticket_qc_first_pass_bonus", 1, f"ticket_qc_first_pass_bonus:{ticket.id}"),
    ]
    assert xp_total(shop, people.tech1) == 4
    assert ticket_transitions(shop, ticket.id)[0].metadata["first_pass"] is True


def test_a_failed_qc_means_no_first_pass_bonus(shop: Shop, people: People) -> None:
    ticket = in_qc(shop, people, srt=40)
    failed = qc_fail(shop, people.qc, ticket.id, "  Rear brake rubs  ")
    assert failed.status == "rework"
    assert failed.qc_fail_count == 1
    assert ticket_transitions(shop, ticket.id)[0].note == "Rear brake rubs"

    start_work_session(shop, people.tech1, ticket.id)
    send_to_qc(shop, people.tech1, ticket.id)
    qc_pass(shop, people.qc, ticket.id)
    assert [(e.entry_type, e.amount) for e in list_xp_entries(shop, people.tech1)] == [
        ("ticket_base_xp", 2)
    ]
    assert ticket_transitions(shop, ticket.id)[0].metadata["first_pass"] is False


def test_qc_pass_cannot_pay_twice(shop: Shop, people: People) -> None:
    ticket = in_qc(shop, people)
    qc_pass(shop, people.qc, ticket.id)
    with pytest.raises(TransitionNotAllowed, match="it is done"):
        qc_pass(shop, people.qc, ticket.id)
    assert xp_total(shop, people.tech1) == 4


@pytest.mark.parametrize("who", ["master", "manager", "tech1", "nobody"])
def test_only_inspectors_and_admins_judge_qc(shop: Shop, people: People, who: str) -> None:
    ticket = in_qc(shop, people)
    with pytest.raises(PermissionDenied, match="may not pass or fail QC"):
        qc_pass(shop, getattr(people, who), ticket.id)
    with pytest.raises(PermissionDenied):
        qc_fail(shop, getattr(people, who), ticket.id)
    assert get_ticket(shop, ticket.id).status == "waiting_qc"


def test_admin_may_judge_qc(shop: Shop, people: People) -> None:
    ticket = in_qc(shop, people)
    assert qc_pass(shop, people.admin, ticket.id).ticket.status == "done"


def test_bike_takes_a_new_ticket_once_the_last_is_done(shop: Shop, people: People) -> None:
    ticket = in_qc(shop, people)
    qc_pass(shop, people.qc, ticket.id)
    again = intake(shop, people.master, "RM-0001", create_bike_first=False)
    assert again.bike == ticket.bike


def test_unknown_ticket_is_not_found(shop: Shop, people: People) -> None:
    with pytest.raises(NotFound, match="No ticket with id 404"):
        assign_ticket(shop, people.manager, 404, people.tech1)
    with pytest.raises(NotFound):
        get_ticket(shop, 404)
    with pytest.raises(NotFound):
        ticket_transitions(shop, 404)


def test_a_deactivated_user_cannot_act(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master)
    set_active(shop, None, people.manager, False)
    with pytest.raises(AuthenticationFailed, match="deactivated"):
        assign_ticket(shop, people.manager, ticket.id, people.tech1)


def test_full_history_is_recorded_in_order(shop: Shop, people: People) -> None:
    ticket = in_qc(shop, people)
    qc_fail(shop, people.qc, ticket.id)
    start_work_session(shop, people.tech1, ticket.id)
    send_to_qc(shop, people.tech1, ticket.id)
    qc_pass(shop, people.qc, ticket.id)
    actions = [t.action for t in reversed(ticket_transitions(shop, ticket.id))]
    assert actions == [
        "created",
        "assigned",
        "started",
        "to_waiting_qc",
        "qc_fail",
        "started",
        "to_waiting_qc",
        "qc_pass",
    ]


def test_ticket_list_filters_and_pages(shop: Shop, people: People) -> None:
    tickets = [intake(shop, people.master, f"RM-{1000 + i}") for i in range(12)]
    for t in tickets[:3]:
        assign_ticket(shop, people.manager, t.id, people.tech2)

    page1 = list_tickets(shop, per_page=5)
    assert page1.total_count == 12
    assert page1.page_count == 3
    assert [t.id for t in page1.items] == [t.id for t in reversed(tickets)][:5]  # newest first
    assert len(list_tickets(shop, page=3, per_page=5).items) == 2
    with pytest.raises(NotFound, match="Page 4 does not exist"):
        list_tickets(shop, page=4, per_page=5)
    assert list_tickets(shop, status="assigned").total_count == 3
    assert list_tickets(shop, technician_id=people.tech2).total_count == 3
    assert list_tickets(shop, bike_code="rm-1005").items[0].id == tickets[5].id
    assert list_tickets(shop, status=["new", "assigned"], per_page=100).total_count == 12
    with pytest.raises(ValidationFailed, match="Unknown ticket status 'open'"):
        list_tickets(shop, status="open")
    with pytest.raises(ValidationFailed) as err:
        list_tickets(shop, per_page=501)  # the v1 contract allows up to 500
    assert err.value.field == "per_page"


def test_empty_list_has_one_empty_page(shop: Shop, people: People) -> None:
    page = list_tickets(shop)
    assert (page.items, page.total_count, page.page_count) == ((), 0, 1)
