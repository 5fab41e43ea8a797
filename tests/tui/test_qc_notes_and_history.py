"""QC notes reach the technician, nobody inspects their own work, history names both sides."""

from __future__ import annotations

from textual.widgets import Input, Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import (
    ManualClock,
    Shop,
    assign_ticket,
    create_user,
    get_ticket,
    send_to_qc,
    start_work_session,
    ticket_transitions,
)
from shopfloor.screens.dialogs import TextDialog
from shopfloor.screens.qc_queue_screen import QcQueueScreen
from shopfloor.screens.technician_screen import TechnicianScreen
from shopfloor.screens.ticket_detail_screen import TicketDetailScreen
from shopfloor.screens.ticket_list_screen import TicketListScreen
from shopfloor.widgets.ticket_pager import TicketPager

from ..conftest import People
from .conftest import log_in, settle
from .test_work import move_to, status_line
from .workshop import Workshop, take_in


def row_text(app: ShopfloorApp, ticket_id: int) -> str:
    table = app.screen.query_one(TicketPager).table
    return " ".join(str(c) for c in table.get_row(str(ticket_id)))


async def test_qc_fail_is_not_sent_without_a_note(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        await pilot.press("f", "enter")  # no task named
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TextDialog)
        detail = str(dialog.query_one(".dialog-detail", Static).render())
        assert "No task named, so a fail needs a note" in detail
        await pilot.press("space", "enter")
        await settle(pilot)
        assert app.screen is dialog  # still asking
        assert "cannot be blank" in str(dialog.query_one(".dialog-hint", Static).render())
        assert dialog.query_one(Input).has_focus
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QcQueueScreen)
    assert get_ticket(shop, workshop.waiting_qc).status == "waiting_qc"


async def test_my_work_shows_the_latest_qc_note_on_a_rework_ticket(
    app: ShopfloorApp, workshop: Workshop
) -> None:
    async with app.run_test(size=(120, 30)) as pilot:
        await log_in(pilot, "tech1")
        assert isinstance(app.screen, TechnicianScreen)
        assert "rework: Display flickers; reseat the connector." in row_text(app, workshop.rework)
        await move_to(pilot, app, workshop.rework)
        note = str(app.screen.query_one("#qc-note", Static).render())
        assert note == "QC said: Display flickers; reseat the connector."
        await move_to(pilot, app, workshop.assigned)
        assert not app.screen.query_one("#qc-note", Static).display


async def test_starting_a_rework_repeats_the_qc_note(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    send_to_qc(shop, people.tech1, workshop.running)  # free tech1 to start the rework
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await move_to(pilot, app, workshop.rework)
        await pilot.press("s")
        await settle(pilot)
        line = status_line(app)
        assert "Rework started on" in line
        assert "QC said: Display flickers; reseat the connector." in line
    assert get_ticket(shop, workshop.rework).status == "in_progress"


async def test_an_inspector_who_worked_the_ticket_is_told_why_qc_is_refused(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    ivan_id = create_user(
        shop, None, "ivan", "secret-pw", roles=("technician", "qc_inspector"), first_name="Ivan"
    ).id
    ticket = take_in(shop, people, "RM-1020", "Gears slip", 30)
    assign_ticket(shop, people.manager, ticket, ivan_id)
    start_work_session(shop, ivan_id, ticket)
    clock.advance(minutes=10)
    send_to_qc(shop, ivan_id, ticket)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "ivan")
        assert isinstance(app.screen, QcQueueScreen)
        await move_to(pilot, app, ticket)
        await pilot.press("p", "y")  # pass, and confirm
        await settle(pilot)
        assert f"You worked on ticket #{ticket}, so you may not pass or fail" in status_line(app)
    assert get_ticket(shop, ticket).status == "waiting_qc"


async def test_ticket_history_names_who_was_assigned_and_by_whom(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    assign_ticket(shop, people.master, workshop.assigned, people.tech2)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "nobody")
        assert isinstance(app.screen, TicketListScreen)
        await move_to(pilot, app, workshop.assigned)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        timeline = str(app.screen.query_one("#detail-timeline", Static).render())
        assert "assigned to Tech1 by Manager" in timeline
        assert "reassigned to Tech2 by Master" in timeline
    assert len(ticket_transitions(shop, workshop.assigned)) == 3
