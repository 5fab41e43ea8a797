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
    Permission,
    allows,
    next_ticket_status,
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
