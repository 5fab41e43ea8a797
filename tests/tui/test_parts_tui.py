"""Part-level work in the TUI (issue 21): intake by parts, parking for a part, the parts
waiting list, and the review queue."""

from __future__ import annotations

from textual.widgets import Checkbox, Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import Shop, add_bike_model, add_part, get_ticket, list_tickets
from shopfloor.screens.dialogs import ChoiceDialog
from shopfloor.screens.intake_screen import IntakeScreen
from shopfloor.screens.part_dialogs import PartSpecDialog
from shopfloor.screens.ticket_detail_screen import TicketDetailScreen

from ..conftest import People
from .conftest import log_in, settle
from .test_intake import type_form
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
        assert line == "Parts: Brake pads red 20m; Chain yellow 15m = 35 min · flag yellow"
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
