"""Tasks you can tick (issue 21): the technician ticks and un-ticks from My work, sending to
QC with tasks unticked asks first, QC fails naming tasks, and the rework shows exactly
those to the technician and on the Assign board."""

from __future__ import annotations

from textual.widgets import Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import (
    Shop,
    assign_ticket,
    create_bike,
    create_ticket,
    get_ticket,
    qc_fail,
    send_to_qc,
    set_rule,
    start_work_session,
    tick_task,
)
from shopfloor.screens.assign_screen import AssignScreen
from shopfloor.screens.dashboard_screen import DashboardScreen
from shopfloor.screens.dialogs import ConfirmDialog, TextDialog
from shopfloor.screens.qc_queue_screen import QcQueueScreen
from shopfloor.screens.tasks_dialog import TasksDialog
from shopfloor.screens.technician_screen import TechnicianScreen
from shopfloor.widgets.ticket_pager import TicketPager

from ..conftest import People
from ..factories import CHECKLIST
from .conftest import log_in, settle, sign_in
from .test_scan_in_dialogs import scan
from .test_work import move_to, status_line
from .workshop import Workshop


def checklist_text(app: ShopfloorApp) -> str:
    return str(app.screen.query_one("#checklist", Static).render())


def ticked(shop: Shop, ticket_id: int) -> list[int]:
    return [t["index"] for t in get_ticket(shop, ticket_id).checklist_state if t["done"]]


async def test_technician_ticks_tasks_from_my_work_and_unticks_a_mistake(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        assert app.screen.query_one(TicketPager).highlighted.id == workshop.running
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TasksDialog)
        for key in ("space", "down", "space", "space"):  # tick 1, tick 2, un-tick 2
            await pilot.press(key)
            await settle(pilot)
        assert "Task 2 un-ticked" in str(app.screen.query_one("#tasks-hint", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TechnicianScreen)
        shown = checklist_text(app)
        assert "1 of 10 ticked" in shown
        assert "[x]  1. Inspect frame — Tech1" in shown
        assert "[ ]  2. Check brakes" in shown
    assert ticked(shop, workshop.running) == [0]


async def test_sending_to_qc_with_tasks_unticked_asks_first(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    tick_task(shop, people.tech1, workshop.running, 0)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await pilot.press("q")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "with tasks not ticked?" in dialog.question
        assert dialog.detail.startswith("9 of 10 not ticked: 2. Check brakes; 3. Check tyres")
        await pilot.press("y")
        await settle(pilot)
        assert "sent to QC" in status_line(app)
    assert get_ticket(shop, workshop.running).status == "waiting_qc"


async def test_an_unticked_critical_task_refuses_qc_on_the_status_line(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    set_rule(shop, None, "critical_tasks_required", "on")
    create_bike(shop, people.master, "RM-1200")
    tasks = [{"task": "Torque the axle", "critical": True}, *CHECKLIST]
    ticket = create_ticket(
        shop,
        people.master,
        bike_code="RM-1200",
        title="Axle",
        checklist=tasks,
        srt_total_minutes=30,
        approve_srt=True,
    ).id
    assign_ticket(shop, people.manager, ticket, people.tech2)
    start_work_session(shop, people.tech2, ticket)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech2")
        await move_to(pilot, app, ticket)
        await pilot.press("q", "y")
        await settle(pilot)
        assert "Tick the critical tasks before sending" in status_line(app)
        assert "[ ]  1. Torque the axle (critical)" in checklist_text(app)
    assert get_ticket(shop, ticket).status == "in_progress"


async def test_qc_fails_two_named_tasks_and_the_rework_shows_exactly_those(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    ticket = workshop.running
    for task in (0, 1, 2):
        tick_task(shop, people.tech1, ticket, task)
    send_to_qc(shop, people.tech1, ticket)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        await move_to(pilot, app, ticket)
        assert "[x]  2. Check brakes — Tech1" in checklist_text(app)  # QC sees who ticked
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, TasksDialog)
        for key in ("down", "space", "down", "down", "down", "space", "enter"):  # 2 and 5
            await pilot.press(key)
        await settle(pilot)
        note = app.screen
        assert isinstance(note, TextDialog)
        assert not note.required  # tasks named: the note is optional
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QcQueueScreen)
        assert "failed QC (2 task(s) to fix)" in status_line(app)

        await sign_in(pilot, "tech1")
        await move_to(pilot, app, ticket)
        shown = checklist_text(app).splitlines()
        assert shown[1:4] == [
            "QC failed 2, fix first:",
            "[!]  2. Check brakes",
            "[!]  5. Check lights",
        ]
        await pilot.press("enter")  # the ticket's timeline names them too
        await settle(pilot)
        timeline = str(app.screen.query_one("#detail-timeline", Static).render())
        assert "QC failed (2. Check brakes; 5. Check lights) by" in timeline
        await pilot.press("escape")
        await sign_in(pilot, "manager")
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, AssignScreen)
        row = app.screen.query_one(TicketPager).table.get_row(str(ticket))
        assert "rework: fix 2, 5" in " ".join(str(c) for c in row)
    state = get_ticket(shop, ticket).checklist_state
    assert [t["index"] for t in state if t["failed"]] == [1, 4]
    assert ticked(shop, ticket) == [0, 2]


async def test_a_scan_in_the_task_list_fails_nothing(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "qc")
        await pilot.press("f", "space")  # task 1 picked, not yet confirmed
        await settle(pilot)
        await scan(pilot, "RM-1005")  # its enter would have confirmed the pick
        assert isinstance(app.screen, QcQueueScreen)
        assert f"#{workshop.waiting_qc} was not failed" in status_line(app)
    assert get_ticket(shop, workshop.waiting_qc).status == "waiting_qc"


async def test_the_dashboard_names_the_tasks_qc_fails_most(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    qc_fail(shop, people.qc, workshop.waiting_qc, tasks=[1, 3])
    qc_fail(shop, people.qc, workshop.waiting_qc_rework, tasks=[1])
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        assert isinstance(app.screen, DashboardScreen)
        assert "most failed at QC: Check brakes (2), Check chain (1)" in status_line(app)
