"""The rule tables themselves (no database): role matrix and allowed moves."""

from __future__ import annotations

import pytest

from shopfloor.domain import (
    PermissionDenied,
    Role,
    TicketAction,
    TicketStatus,
    TransitionNotAllowed,
)
from shopfloor.domain.rules import (
    INVARIANTS,
    ONE_TICKET_IN_PROGRESS,
    Permission,
    Rules,
    XpAward,
    allows,
    base_xp,
    is_first_pass,
    next_ticket_status,
    qc_pass_xp,
    require,
    ticket_actions_for,
)

MATRIX = {
    Permission.CREATE_TICKET: {"master", "super_admin"},
    Permission.ASSIGN: {"super_admin", "ops_manager", "master"},
    Permission.WORK: {"technician", "super_admin"},
    Permission.QC: {"qc_inspector", "super_admin"},
    Permission.MANAGE_BIKES: {"super_admin", "ops_manager", "master"},
}


@pytest.mark.parametrize("permission", list(MATRIX))
@pytest.mark.parametrize("role", list(Role))
def test_role_matrix_matches_the_contract(permission: Permission, role: Role) -> None:
    assert allows([role], permission) is (role.value in MATRIX[permission])


def test_no_role_allows_nothing() -> None:
    with pytest.raises(PermissionDenied, match=r"Your roles \(no role\) may not create tickets"):
        require([], Permission.CREATE_TICKET)


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        (TicketAction.ASSIGNED, "new", "assigned"),
        (TicketAction.ASSIGNED, "rework", "rework"),
        (TicketAction.STARTED, "assigned", "in_progress"),
        (TicketAction.STARTED, "rework", "in_progress"),
        (TicketAction.TO_WAITING_QC, "in_progress", "waiting_qc"),
        (TicketAction.QC_PASS, "waiting_qc", "done"),
        (TicketAction.QC_FAIL, "waiting_qc", "rework"),
    ],
)
def test_allowed_moves(action: TicketAction, start: str, end: str) -> None:
    assert next_ticket_status(action, TicketStatus(start), 1) == TicketStatus(end)


def test_done_is_final() -> None:
    for action in (a for a in TicketAction if a is not TicketAction.CREATED):
        with pytest.raises(TransitionNotAllowed, match="it is done"):
            next_ticket_status(action, TicketStatus.DONE, 7)


def test_keys_offered_follow_the_same_tables() -> None:
    tech = ticket_actions_for(["technician"], TicketStatus.ASSIGNED, is_assigned_technician=True)
    assert tech == [TicketAction.STARTED]
    assert (
        ticket_actions_for(["technician"], TicketStatus.ASSIGNED, is_assigned_technician=False)
        == []
    )
    assert ticket_actions_for(
        ["qc_inspector"], TicketStatus.WAITING_QC, is_assigned_technician=False
    ) == [
        TicketAction.QC_PASS,
        TicketAction.QC_FAIL,
    ]
    assert ticket_actions_for(["master"], TicketStatus.REWORK, is_assigned_technician=False) == [
        TicketAction.ASSIGNED
    ]


@pytest.mark.parametrize(
    ("roles", "status", "assigned", "offered"),
    [
        (["technician"], "assigned", True, True),
        (["technician"], "rework", True, True),
        (["technician"], "in_progress", True, True),
        (["technician"], "in_progress", False, False),  # someone else's ticket
        (["technician"], "waiting_qc", True, False),
        (["technician"], "new", True, False),
        (["super_admin"], "in_progress", False, True),  # acts for the technician
        (["master"], "assigned", True, False),
    ],
)
def test_timer_key_is_offered_by_the_same_rule_the_domain_enforces(
    roles: list[str], status: str, assigned: bool, offered: bool
) -> None:
    from shopfloor.domain.rules import may_start_timer

    assert may_start_timer(roles, TicketStatus(status), is_assigned_technician=assigned) is offered


@pytest.mark.parametrize(
    ("srt", "divisor", "expected"), [(45, 20, 3), (40, 20, 2), (1, 20, 1), (60, 7, 9)]
)
def test_base_xp_is_the_srt_in_the_shops_units_rounded_up(
    srt: int, divisor: int, expected: int
) -> None:
    assert base_xp(srt, Rules(xp_srt_divisor=divisor)) == expected


def test_a_first_pass_earns_the_bonus_and_a_pass_after_rework_does_not() -> None:
    rules = Rules(xp_srt_divisor=20, xp_first_pass_bonus=2)
    assert is_first_pass(0)
    assert not is_first_pass(1)
    assert qc_pass_xp(45, 0, rules) == XpAward(3, 2)
    assert qc_pass_xp(45, 1, rules) == XpAward(3, 0)
    assert qc_pass_xp(45, 0, rules).total == 5


def test_an_invariant_reads_the_same_whether_a_pre_check_or_the_database_refused() -> None:
    found = ONE_TICKET_IN_PROGRESS.refused(ticket=12)
    raced = INVARIANTS["uq_tickets_in_progress_technician"].refused()
    assert (found.code, found.field, type(found)) == (raced.code, raced.field, type(raced))
    assert "ticket #12 in progress" in found.message
    assert "already has a ticket in progress" in raced.message
