"""Part-level work (issue 21): the parts catalogue, intake by parts, the review before
assignment, ticking tasks, QC that names what failed, parking for a part."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shopfloor.domain import (
    ManualClock,
    PermissionDenied,
    RuleViolation,
    Shop,
    TransitionNotAllowed,
    ValidationFailed,
    add_bike_model,
    add_part,
    assign_ticket,
    create_bike,
    create_ticket,
    current_work_session,
    failed_tasks,
    get_ticket,
    list_parts,
    list_xp_entries,
    mark_part_arrived,
    park_ticket,
    parts_waiting,
    qc_fail,
    qc_pass,
    remove_part,
    review_approve,
    send_to_qc,
    set_manual_metrics,
    set_rule,
    start_ticket,
    start_work_session,
    tick_task,
    ticket_transitions,
    update_part_specs,
)
from shopfloor.domain.audit import verify_shop
from shopfloor.domain.checklists import DEFAULT_CHECKLIST
from shopfloor.domain.views import TicketView

from ..conftest import People
from ..factories import intake


def catalogue(shop: Shop, people: People) -> tuple[int, int]:
    add_bike_model(shop, people.master, "City 26")
    brakes = add_part(shop, people.master, "City 26", "Brakes").id
    chain = add_part(shop, None, "City 26", "Chain").id
    return brakes, chain


def by_parts(shop: Shop, people: People, code: str = "RM-0001") -> TicketView:
    brakes, chain = catalogue(shop, people)
    create_bike(shop, people.master, code)
    return create_ticket(
        shop,
        people.master,
        bike_code=code,
        title=None,
        checklist=None,
        srt_total_minutes=None,
        approve_srt=True,
        part_specs=[
            {"part_id": brakes, "color": "red", "comment": "Pads worn", "minutes": 40},
            {"part_id": chain, "color": "yellow", "minutes": 25},
        ],
    )


def test_the_catalogue_lists_parts_by_model_and_a_removed_part_is_no_longer_offered(
    shop: Shop, people: People
) -> None:
    _brakes, chain = catalogue(shop, people)
    assert [p.name for p in list_parts(shop)] == ["Brakes", "Chain"]
    remove_part(shop, people.master, chain)
    assert [p.name for p in list_parts(shop)] == ["Brakes"]
    assert add_part(shop, people.master, "City 26", "Chain").id == chain  # restored
    with pytest.raises(ValidationFailed, match="already has a part named Brakes"):
        add_part(shop, people.master, "City 26", "Brakes")
    with pytest.raises(PermissionDenied):
        add_part(shop, people.tech1, "City 26", "Bell")


def test_intake_by_parts_sums_the_minutes_into_srt_flag_colour_xp_and_checklist(
    shop: Shop, people: People
) -> None:
    ticket = by_parts(shop, people)
    assert (ticket.status, ticket.srt_total_minutes, ticket.total_duration) == ("new", 65, 65)
    assert (ticket.flag_color, ticket.xp_amount, ticket.is_manual) == ("red", 4, False)
    assert [(p["part_name"], p["color"], p["minutes"]) for p in ticket.ticket_parts] == [
        ("Brakes", "red", 40),
        ("Chain", "yellow", 25),
    ]
    assert ticket.checklist_snapshot == (*DEFAULT_CHECKLIST, "Brakes: Pads worn", "Chain")
    assert ticket.title == "Parts: Brakes, Chain"
    assert get_ticket(shop, ticket.id).ticket_parts == ticket.ticket_parts


def test_a_v1_ticket_reads_its_flag_colour_and_xp_from_its_srt(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master, srt=45)
    assert (ticket.ticket_parts, ticket.total_duration) == ((), 45)
    assert (ticket.flag_color, ticket.xp_amount, ticket.approved_at) == ("yellow", 3, None)


def test_with_review_required_a_ticket_waits_for_an_admin_before_it_can_be_assigned(
    shop: Shop, people: People
) -> None:
    set_rule(shop, None, "review_required", "on")
    ticket = by_parts(shop, people)
    assert ticket.status == "under_review"
    with pytest.raises(TransitionNotAllowed, match="waiting for review"):
        assign_ticket(shop, people.manager, ticket.id, people.tech1)
    with pytest.raises(PermissionDenied):
        review_approve(shop, people.master, ticket.id)
    approved = review_approve(shop, people.manager, ticket.id)
    assert (approved.status, approved.approved_by) == ("new", people.manager)
    assert approved.approved_by_name == "Manager"
    assert get_ticket(shop, ticket.id).approved_at == approved.approved_at
    assert ticket_transitions(shop, ticket.id)[0].action == "review_approved"
    assert assign_ticket(shop, people.manager, ticket.id, people.tech1).status == "assigned"


def test_a_bad_rule_name_or_value_is_one_sentence(shop: Shop, people: People) -> None:
    with pytest.raises(ValidationFailed, match="No rule named 'nope'"):
        set_rule(shop, None, "nope", "on")
    with pytest.raises(ValidationFailed, match="to on or off"):
        set_rule(shop, None, "review_required", "maybe")
    with pytest.raises(ValidationFailed, match="whole number of XP from 0 to 1000"):
        set_rule(shop, None, "inspector_xp_pass", "lots")
    with pytest.raises(PermissionDenied):
        set_rule(shop, people.manager, "review_required", "on")


def test_an_admin_overrides_flag_colour_and_xp_and_the_pass_pays_that_xp(
    shop: Shop, people: People
) -> None:
    ticket = by_parts(shop, people)
    with pytest.raises(PermissionDenied):
        set_manual_metrics(shop, people.master, ticket.id, xp_amount=9)
    changed = set_manual_metrics(shop, people.manager, ticket.id, flag_color="green", xp_amount=9)
    assert (changed.flag_color, changed.xp_amount, changed.is_manual) == ("green", 9, True)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_ticket(shop, people.tech1, ticket.id)
    send_to_qc(shop, people.tech1, ticket.id)
    qc_pass(shop, people.qc, ticket.id)
    paid = list_xp_entries(shop, people.tech1, user_id=people.tech1)
    assert sorted(e.amount for e in paid) == [1, 9]


def test_the_whole_loop_ticks_parks_for_a_part_fails_named_tasks_and_passes(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    brakes_spec = by_parts(shop, people)
    ticket_id = brakes_spec.id
    brakes = brakes_spec.ticket_parts[0]["part_id"]
    assign_ticket(shop, people.manager, ticket_id, people.tech1)
    start_ticket(shop, people.tech1, ticket_id)
    with pytest.raises(PermissionDenied):
        tick_task(shop, people.tech2, ticket_id, 0)
    for index in range(11):  # 12 tasks: the 10 standard ones, one per part
        ticked = tick_task(shop, people.tech1, ticket_id, index)
    state = ticked.checklist_state
    assert state[0]["done"]
    assert state[0]["done_by"] == people.tech1
    assert state[0]["done_by_name"] == "Tech1"
    assert state[0]["done_at"]
    assert not state[11]["done"]
    undone = tick_task(shop, people.tech1, ticket_id, 10, ticked=False)
    assert not undone.checklist_state[10]["done"]
    with pytest.raises(RuleViolation, match="already not ticked"):
        tick_task(shop, people.tech1, ticket_id, 10, ticked=False)

    parked = park_ticket(shop, people.tech1, ticket_id, part_id=brakes, quantity=2)
    assert (parked.parts_missing, parked.parts_here) == (1, False)
    [waiting] = parts_waiting(shop)
    assert (waiting.bike_code, waiting.part_name, waiting.quantity) == ("RM-0001", "Brakes", 2)
    clock.advance(minutes=30)
    mark_part_arrived(shop, people.master, waiting.id)
    assert parts_waiting(shop) == []
    assert get_ticket(shop, ticket_id).parts_here

    start_ticket(shop, people.tech1, ticket_id)
    for index in (10, 11):
        tick_task(shop, people.tech1, ticket_id, index)
    send_to_qc(shop, people.tech1, ticket_id, confirm_unticked=False)
    with pytest.raises(ValidationFailed, match="Name the tasks"):
        qc_fail(shop, people.qc, ticket_id, tasks=[])
    failed = qc_fail(shop, people.qc, ticket_id, tasks=[11, 1])
    assert failed.status == "rework"
    assert [s["index"] for s in failed.checklist_state if not s["done"]] == [1, 11]
    assert [s["index"] for s in failed.checklist_state if s["failed"]] == [1, 11]
    fail_row = ticket_transitions(shop, ticket_id)[0]
    assert fail_row.metadata["failed_tasks"] == [1, 11]
    report = failed_tasks(shop, people.manager, days=7)
    assert [(f.task, f.fails) for f in report] == [("Chain", 1), (DEFAULT_CHECKLIST[1], 1)]
    with pytest.raises(PermissionDenied):
        failed_tasks(shop, people.tech1)

    start_ticket(shop, people.tech1, ticket_id)
    with pytest.raises(RuleViolation, match="2 of 12 tasks are not ticked"):
        send_to_qc(shop, people.tech1, ticket_id, confirm_unticked=False)
    for index in (1, 11):
        tick_task(shop, people.tech1, ticket_id, index)
    send_to_qc(shop, people.tech1, ticket_id, confirm_unticked=False)
    passed = qc_pass(shop, people.qc, ticket_id)
    assert (passed.ticket.status, passed.xp.base, passed.xp.bonus) == ("done", 4, 0)
    assert passed.ticket.finished_at == passed.ticket.done_at is not None
    report = verify_shop(shop)
    assert report.clean, report.all_drifts


def test_audit_verify_names_a_ticks_cache_that_disagrees_with_the_tick_events(
    shop: Shop, people: People
) -> None:
    ticket = by_parts(shop, people)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    tick_task(shop, people.tech1, ticket.id, 2)
    with shop.engine.begin() as conn:
        conn.execute(text("UPDATE tickets SET work_state = NULL WHERE id = :id"), {"id": ticket.id})
    [drift] = verify_shop(shop).drifts
    assert (drift.kind, drift.subject, drift.stored, drift.expected) == (
        "ticked_tasks",
        f"ticket {ticket.id}",
        "[]",
        "[2]",
    )


def test_a_critical_task_unticked_keeps_the_ticket_from_qc_when_the_rule_says_so(
    shop: Shop, people: People
) -> None:
    set_rule(shop, None, "critical_tasks_required", True)
    checklist = [*DEFAULT_CHECKLIST[:9], {"task": "Torque the axle", "critical": True}]
    ticket = intake(shop, people.master, checklist=checklist)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_ticket(shop, people.tech1, ticket.id)
    with pytest.raises(RuleViolation, match="critical tasks"):
        send_to_qc(shop, people.tech1, ticket.id, confirm_unticked=True)
    tick_task(shop, people.tech1, ticket.id, 9)
    assert send_to_qc(shop, people.tech1, ticket.id).status == "waiting_qc"


def test_with_start_opens_timer_a_start_also_runs_the_timer_and_a_timer_start_adds_none(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    set_rule(shop, None, "start_opens_timer", "on")
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_ticket(shop, people.tech1, ticket.id)
    running = current_work_session(shop, ticket.id)
    assert running is not None
    assert running.status == "running"
    clock.advance(minutes=10)
    assert get_ticket(shop, ticket.id).worked_seconds == 600
    sent = send_to_qc(shop, people.tech1, ticket.id)
    assert (sent.status, sent.worked_seconds) == ("waiting_qc", 600)
    assert current_work_session(shop, ticket.id) is None


def test_the_reviewer_corrects_parts_and_minutes_and_the_srt_tasks_and_flag_follow(
    shop: Shop, people: People
) -> None:
    set_rule(shop, None, "review_required", "on")
    ticket = by_parts(shop, people)
    brakes = ticket.ticket_parts[0]["part_id"]
    with pytest.raises(PermissionDenied):
        update_part_specs(shop, people.master, ticket.id, [])
    fixed = update_part_specs(
        shop, people.manager, ticket.id, [{"part_id": brakes, "color": "green", "minutes": 15}]
    )
    assert [(p["part_name"], p["minutes"]) for p in fixed.ticket_parts] == [("Brakes", 15)]
    assert (fixed.srt_total_minutes, fixed.flag_color, fixed.xp_amount) == (15, "green", 1)
    assert fixed.checklist_snapshot == (*DEFAULT_CHECKLIST, "Brakes")
    assert fixed.status == "under_review"
    assert verify_shop(shop).clean


def test_inspector_xp_is_paid_for_each_qc_decision_and_audit_verify_agrees(
    shop: Shop, people: People
) -> None:
    set_rule(shop, None, "inspector_xp_pass", "2")
    set_rule(shop, None, "inspector_xp_fail", 1)
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_ticket(shop, people.tech1, ticket.id)
    send_to_qc(shop, people.tech1, ticket.id)
    qc_fail(shop, people.qc, ticket.id, note="Brakes squeal")
    start_ticket(shop, people.tech1, ticket.id)
    send_to_qc(shop, people.tech1, ticket.id)
    qc_pass(shop, people.qc, ticket.id)
    inspector = list_xp_entries(shop, people.qc, user_id=people.qc)
    assert sorted((e.entry_type, e.amount) for e in inspector) == [
        ("ticket_qc_inspector", 1),
        ("ticket_qc_inspector", 2),
    ]
    report = verify_shop(shop)
    assert report.clean, report.all_drifts


def test_with_the_rule_the_first_pass_bonus_needs_the_work_done_within_the_srt(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    set_rule(shop, None, "first_pass_bonus_within_srt", "on")
    for code, minutes in (("RM-0001", 40), ("RM-0002", 50)):
        ticket = intake(shop, people.master, code, srt=45)
        assign_ticket(shop, people.manager, ticket.id, people.tech1)
        start_work_session(shop, people.tech1, ticket.id)
        clock.advance(minutes=minutes)
        send_to_qc(shop, people.tech1, ticket.id)
        passed = qc_pass(shop, people.qc, ticket.id)
        assert passed.first_pass
        assert passed.xp.bonus == (1 if minutes <= 45 else 0), code


@pytest.mark.parametrize("statement", ["UPDATE {t} SET ticket_id = ticket_id", "DELETE FROM {t}"])
@pytest.mark.parametrize("table", ["checklist_ticks", "ticket_audit"])
def test_the_tick_and_ticket_audit_trails_are_append_only(
    shop: Shop, people: People, statement: str, table: str
) -> None:
    ticket = by_parts(shop, people)
    set_manual_metrics(shop, people.manager, ticket.id, xp_amount=5)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    tick_task(shop, people.tech1, ticket.id, 0)
    with pytest.raises(DBAPIError, match="append-only"), shop.engine.begin() as conn:
        conn.execute(text(statement.format(t=table)))
