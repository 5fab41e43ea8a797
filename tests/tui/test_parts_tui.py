"""Part-level work in the TUI (issue 21): intake by parts, parking for a part, the parts
waiting list, and the review queue."""

from __future__ import annotations

from textual.widgets import Checkbox, Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import (
    Shop,
    add_bike_model,
    add_part,
    create_ticket,
    get_ticket,
    list_tickets,
    parts_waiting,
    set_rule,
)
from shopfloor.screens.dialogs import ChoiceDialog
from shopfloor.screens.intake_screen import IntakeScreen
from shopfloor.screens.part_dialogs import PartSpecDialog, WantedPartDialog
from shopfloor.screens.parts_waiting_screen import PartsWaitingScreen
from shopfloor.screens.review_queue_screen import ReviewQueueScreen
from shopfloor.screens.ticket_detail_screen import TicketDetailScreen
from shopfloor.widgets.ticket_pager import TicketPager

from ..conftest import People
from .conftest import log_in, settle, sign_in
from .test_intake import type_form
from .test_scan_in_dialogs import scan
from .test_work import move_to, status_line
from .workshop import Workshop


def text_of(app: ShopfloorApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def catalogue(shop: Shop) -> dict[str, int]:
    add_bike_model(shop, None, "City")
    return {name: add_part(shop, None, "City", name).id for name in ("Brake pads", "Chain")}


async def test_master_takes_a_bike_in_by_parts_and_the_srt_is_their_minutes(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    parts = catalogue(shop)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        assert isinstance(app.screen, IntakeScreen)
        await type_form(pilot, "RM-1010", "", "")
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, PartSpecDialog)
        await pilot.press("r", "enter", *"20", "enter", *"pads worn", "enter")  # Brake pads
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)  # add another, or remove one
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y", "enter", *"15", "enter", "enter")  # Chain, yellow
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        line = text_of(app, "#parts-line")
        assert line == (
            "Parts: Brake pads red 20m; Chain yellow 15m = 35 min · flag yellow"
            " · +2 checklist tasks"
        )
        approved = app.screen.query_one("#approve-srt", Checkbox)
        assert not approved.value  # the SRT is the parts' minutes, still to be approved
        approved.focus()
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        assert "= 35 min · flag yellow · XP 2" in text_of(app, "#detail-fields")
    (found,) = list_tickets(shop, bike_code="RM-1010").items
    ticket = get_ticket(shop, found.id)
    assert (ticket.srt_total_minutes, ticket.flag_color, ticket.xp_amount) == (35, "yellow", 2)
    assert [(p["part_id"], p["color"], p["comment"]) for p in ticket.ticket_parts] == [
        (parts["Brake pads"], "red", "pads worn"),
        (parts["Chain"], "yellow", ""),
    ]
    assert ticket.title == "Parts: Brake pads, Chain"


async def test_a_bike_parked_for_a_part_is_ordered_and_its_arrival_shows_parts_here(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    parts = catalogue(shop)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await move_to(pilot, app, workshop.running)
        await pilot.press("w", "1")  # park: waiting for parts
        await settle(pilot)
        assert isinstance(app.screen, WantedPartDialog)
        await pilot.press("down", "enter", "enter")  # Chain, 1 of it
        await settle(pilot)
        assert "waiting for 1 x Chain" in status_line(app)

        await sign_in(pilot, "manager")
        await pilot.press("W")  # from the dashboard
        await settle(pilot)
        assert isinstance(app.screen, PartsWaitingScreen)
        row = [str(c) for c in app.screen.table.get_row_at(0)]
        assert row[:4] == ["Chain", "1", "RM-1009", str(workshop.running)]
        await pilot.press("a", "y")
        await settle(pilot)
        assert "Chain for RM-1009" in status_line(app)
        assert app.screen.table.row_count == 0

        await sign_in(pilot, "tech1")
        await move_to(pilot, app, workshop.running)
        table = app.screen.query_one(TicketPager).table
        cells = [str(c) for c in table.get_row(str(workshop.running))]
        assert "waiting for parts: parts here" in cells
    (arrived,) = parts_waiting(shop, None, include_arrived=True)
    assert (arrived.part_id, arrived.arrived_by) == (parts["Chain"], people.manager)


async def test_manager_corrects_minutes_in_the_review_queue_and_approves(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    parts = catalogue(shop)
    set_rule(shop, None, "review_required", "on")
    ticket = create_ticket(
        shop,
        people.master,
        bike_code="RM-1010",
        title=None,
        checklist=None,
        srt_total_minutes=None,
        approve_srt=True,
        part_specs=[
            {"part_id": parts["Brake pads"], "color": "red", "minutes": 20},
            {"part_id": parts["Chain"], "color": "yellow", "minutes": 15},
        ],
    ).id
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("U")
        await settle(pilot)
        assert isinstance(app.screen, ReviewQueueScreen)
        side = text_of(app, "#review-parts")
        assert "1. Brake pads: red, 20 min" in side
        assert "SRT 35 min · flag yellow · XP 2" in side
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("down", "enter")  # minutes of Brake pads
        await settle(pilot)
        await pilot.press(*"40", "enter")
        await settle(pilot)
        assert "55 min, flag yellow, XP 3" in status_line(app)
        await pilot.press("a", "y")
        await settle(pilot)
        assert "approved: it waits on the Assign board" in status_line(app)
    approved = get_ticket(shop, ticket)
    assert (approved.status, approved.approved_by, approved.srt_total_minutes) == (
        "new",
        people.manager,
        55,
    )


async def test_a_scan_in_which_part_a_park_waits_for_parks_nothing(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    catalogue(shop)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "tech1")
        await move_to(pilot, app, workshop.running)
        await pilot.press("w", "1", "down")  # waiting for parts; Chain highlighted
        await settle(pilot)
        assert isinstance(app.screen, WantedPartDialog)
        await scan(pilot, "RM-1006")  # its enter would have picked the part
        assert f"#{workshop.running} was not parked" in status_line(app)
    assert get_ticket(shop, workshop.running).status == "in_progress"
    assert parts_waiting(shop, None) == []
