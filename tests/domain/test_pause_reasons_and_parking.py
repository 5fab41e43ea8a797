"""Why work stopped: pause reasons on the pause event, and parking a bike waiting for parts."""

from __future__ import annotations

import pytest

from shopfloor.domain import (
    ManualClock,
    PauseReason,
    PermissionDenied,
    Shop,
    TransitionNotAllowed,
    ValidationFailed,
    assign_ticket,
    current_work_session,
    get_ticket,
    list_tickets,
    park_ticket,
    pause_work_session,
    set_timer_rules,
    start_work_session,
    ticket_transitions,
    work_session_history,
)
from shopfloor.domain.views import TicketView

from ..conftest import People
from ..factories import intake


def started(shop: Shop, people: People, code: str = "RM-0001") -> TicketView:
    ticket = assign_ticket(shop, people.manager, intake(shop, people.master, code).id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    return ticket


def test_a_pause_without_a_reason_is_recorded_as_unspecified(shop: Shop, people: People) -> None:
    ticket = started(shop, people)
    pause_work_session(shop, people.tech1, ticket.id)
    paused = work_session_history(shop, ticket.id)[0]
    assert (paused.action, paused.metadata["reason"]) == ("paused", "unspecified")


def test_the_pause_reason_and_note_are_on_the_pause_event(shop: Shop, people: People) -> None:
    ticket = started(shop, people)
    pause_work_session(shop, people.tech1, ticket.id, reason="other", note="Fire drill")
    paused = work_session_history(shop, ticket.id)[0]
    assert paused.metadata == {"reason": "other", "reason_label": "Other", "note": "Fire drill"}


def test_an_unknown_pause_reason_is_refused_and_the_timer_keeps_running(
    shop: Shop, people: People
) -> None:
    ticket = started(shop, people)
    with pytest.raises(ValidationFailed, match="waiting_for_parts") as err:
        pause_work_session(shop, people.tech1, ticket.id, reason="nap")
    assert err.value.field == "reason"
    live = current_work_session(shop, ticket.id)
    assert live is not None
    assert live.status == "running"


def test_other_needs_a_note(shop: Shop, people: People) -> None:
    ticket = started(shop, people)
    with pytest.raises(ValidationFailed) as err:
        pause_work_session(shop, people.tech1, ticket.id, reason="other")
    assert err.value.field == "note"


def test_parking_stops_the_timer_and_gives_the_ticket_back_to_its_technician(
    shop: Shop, people: People, clock: ManualClock
) -> None:
    ticket = started(shop, people)
    clock.advance(minutes=20)
    parked = park_ticket(shop, people.tech1, ticket.id, note="Brake pads on order")
    assert (parked.status, parked.technician) == ("assigned", people.tech1)
    assert parked.parked_reason == "Waiting for parts"
    assert parked.worked_seconds == 1200
    assert current_work_session(shop, ticket.id) is None
    stop = work_session_history(shop, ticket.id)[0]
    assert (stop.action, stop.metadata["reason"], stop.metadata["cause"]) == (
        "stopped",
        "waiting_for_parts",
        "parked",
    )
    move = ticket_transitions(shop, ticket.id)[0]
    assert (move.action, move.from_status, move.to_status, move.note) == (
        "parked",
        "in_progress",
        "assigned",
        "Brake pads on order",
    )
    assert move.metadata["reason"] == "waiting_for_parts"


def test_a_parked_technician_starts_another_bike_then_the_parked_one_again(
    shop: Shop, people: People
) -> None:
    first = started(shop, people)
    second = assign_ticket(
        shop, people.manager, intake(shop, people.master, "RM-0002").id, people.tech1
    )
    park_ticket(shop, people.tech1, first.id)
    start_work_session(shop, people.tech1, second.id)
    mine = list_tickets(shop, technician_id=people.tech1, status="assigned").items
    assert [(t.id, t.parked_reason) for t in mine] == [(first.id, "Waiting for parts")]
    park_ticket(shop, people.tech1, second.id, reason="tool_or_bay_busy")
    start_work_session(shop, people.tech1, first.id)  # the ordinary start
    again = get_ticket(shop, first.id)
    assert (again.status, again.parked_reason) == ("in_progress", None)
    assert get_ticket(shop, second.id).parked_reason == "Tool or bay busy"


def test_only_an_in_progress_ticket_can_be_parked(shop: Shop, people: People) -> None:
    ticket = assign_ticket(shop, people.manager, intake(shop, people.master).id, people.tech1)
    with pytest.raises(TransitionNotAllowed, match="in_progress"):
        park_ticket(shop, people.tech1, ticket.id)


def test_only_the_assigned_technician_or_a_super_admin_may_park(shop: Shop, people: People) -> None:
    ticket = started(shop, people)
    with pytest.raises(PermissionDenied):
        park_ticket(shop, people.tech2, ticket.id)
    with pytest.raises(PermissionDenied):
        park_ticket(shop, people.manager, ticket.id)
    assert park_ticket(shop, people.admin, ticket.id).status == "assigned"


def test_the_shop_edits_its_pause_reasons_and_parking_defaults_to_its_first(
    shop: Shop, people: People
) -> None:
    set_timer_rules(
        shop,
        people.manager,
        pause_reasons=[
            PauseReason("parts", "Parts on order"),
            PauseReason("lunch", "Lunch", False),
        ],
    )
    ticket = started(shop, people)
    with pytest.raises(ValidationFailed, match="parts, lunch"):
        pause_work_session(shop, people.tech1, ticket.id, reason="break")
    assert park_ticket(shop, people.tech1, ticket.id).parked_reason == "Parts on order"
    with pytest.raises(PermissionDenied):
        set_timer_rules(shop, people.tech1, pause_budget_minutes=90)
