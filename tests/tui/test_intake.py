"""Intake as a master does it: bike state while typing, unknown and archived bikes,
the checklist editor and the explicit SRT approval."""

from __future__ import annotations

from datetime import UTC

from textual.widgets import Checkbox, Input, OptionList, Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import (
    DEFAULT_CHECKLIST,
    Shop,
    checklist_template,
    get_bike_by_code,
    list_tickets,
    ticket_transitions,
)
from shopfloor.screens.dialogs import ConfirmDialog, TextDialog
from shopfloor.screens.intake_screen import IntakeScreen
from shopfloor.screens.ticket_detail_screen import TicketDetailScreen
from shopfloor.widgets.checklist import ChecklistEditor

from ..conftest import People
from .conftest import log_in, read_bike_state, settle
from .workshop import Workshop


def text_of(app: ShopfloorApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def type_form(pilot: object, code: str, title: str, srt: str) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await pilot.press(*code)
    await read_bike_state(pilot)  # what happens once typing pauses
    await pilot.press("enter", *title, "enter", *srt, "enter")
    await settle(pilot)


async def test_known_bike_state_shows_while_typing_and_ticket_is_created(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        assert isinstance(app.screen, IntakeScreen)
        await type_form(pilot, "rm-1010", "Brake service", "45")
        assert "ready" in text_of(app, "#bike-state")
        assert app.screen.query_one("#approve-srt", Checkbox).has_focus
        await pilot.press("space", "ctrl+s")  # approve the SRT, then create
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        fields = text_of(app, "#detail-fields")
        assert "RM-1010" in fields
        assert "Brake service" in fields
        assert "SRT 45 min" in fields
    (ticket,) = list_tickets(shop, bike_code="RM-1010").items
    assert (ticket.status, ticket.srt_total_minutes, ticket.master) == ("new", 45, people.master)


async def test_srt_must_be_approved_and_the_message_sits_by_the_field(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await type_form(pilot, "RM-1010", "Brake service", "45")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert "The SRT must be approved" in text_of(app, "#srt-error")
    assert list_tickets(shop, bike_code="RM-1010").total_count == 0


async def test_changing_the_srt_withdraws_the_approval(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await type_form(pilot, "RM-1010", "Brake service", "45")
        await pilot.press("space")
        assert app.screen.query_one("#approve-srt", Checkbox).value
        app.screen.query_one("#srt", Input).value = "90"
        await pilot.pause()
        assert not app.screen.query_one("#approve-srt", Checkbox).value


async def test_unknown_bike_needs_confirmation_and_a_reason(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await type_form(pilot, "RM-1011", "New bike check", "30")
        assert "unknown" in text_of(app, "#bike-state")
        suggestions = app.screen.query_one("#suggestions", OptionList)
        assert suggestions.display
        assert suggestions.option_count > 0
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press("enter")  # a blank reason is refused
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"delivery from supplier", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
    (ticket,) = list_tickets(shop, bike_code="RM-1011").items
    created = ticket_transitions(shop, ticket.id)[-1]
    assert created.metadata["bike_created_during_intake"] is True
    assert created.metadata["bike_creation_reason"] == "delivery from supplier"


async def test_picking_a_suggested_code_with_the_arrows(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await pilot.press(*"RM-101")
        await settle(pilot)  # every queued key has reached the field before its state is read
        assert app.screen.query_one("#bike-code", Input).value == "RM-101"
        await read_bike_state(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen.query_one("#bike-code", Input).value == "RM-1010"
        assert app.screen.query_one("#title", Input).has_focus


async def test_archived_bike_is_restored_then_taken_in(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await type_form(pilot, "RM-1099", "Back from storage", "20")
        assert "archived" in text_of(app, "#bike-state")
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
    assert get_bike_by_code(shop, "RM-1099").is_active
    assert list_tickets(shop, bike_code="RM-1099").total_count == 1


async def test_checklist_editor_add_edit_remove_and_reorder(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await type_form(pilot, "RM-1010", "Full service", "60")
        await pilot.press("space")
        editor = app.screen.query_one(ChecklistEditor)
        default = list(editor.items)
        editor.query_one("#checklist-items").focus()
        await pilot.pause()
        await pilot.press("a", *"Check torque arm", "enter")  # add at the end
        await pilot.press("K")  # move it up one
        await pilot.press("home", "e", "ctrl+u", *"Inspect frame", "enter")  # edit the first
        await pilot.press("down", "d")  # remove the second
        await settle(pilot)
        expected = ["Inspect frame", *default[2:9], "Check torque arm", default[9]]
        assert editor.items == expected
        assert "10 items" in text_of(app, "#checklist-title")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
    (ticket,) = list_tickets(shop, bike_code="RM-1010").items
    assert list(ticket.checklist_snapshot) == expected


async def test_too_short_checklist_is_refused_next_to_the_checklist(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await type_form(pilot, "RM-1010", "Quick look", "15")
        await pilot.press("space")
        app.screen.query_one("#checklist-items").focus()
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "at least 10 are required" in text_of(app, "#checklist-error")
        await pilot.press("ctrl+t")  # back to the default template
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
    assert list_tickets(shop, bike_code="RM-1010").total_count == 1


async def test_master_saves_the_default_checklist_for_every_later_intake(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop, settings: object
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        editor = app.screen.query_one(ChecklistEditor)
        editor.query_one("#checklist-items").focus()
        await pilot.pause()
        await pilot.press("e", "ctrl+u", *"Check frame number", "enter")
        await pilot.press("a", *"Check torque arm", "enter")
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert "Saved as the default checklist (11 items)" in text_of(app, "#status-line")
    assert checklist_template(shop)[0] == "Check frame number"

    later = ShopfloorApp(shop, app.settings, tz=UTC)
    async with later.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        items = later.screen.query_one(ChecklistEditor).items
        assert (items[0], items[-1], len(items)) == ("Check frame number", "Check torque arm", 11)


async def test_a_too_short_default_checklist_is_refused(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        app.screen.query_one("#checklist-items").focus()
        await pilot.pause()
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert "at least 10 are required" in text_of(app, "#checklist-error")
    assert checklist_template(shop) == DEFAULT_CHECKLIST


async def test_editing_a_task_keeps_its_text_with_the_cursor_at_the_end(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        editor = app.screen.query_one(ChecklistEditor)
        default = list(editor.items)
        editor.query_one("#checklist-items").focus()
        await pilot.pause()
        await pilot.press("home", "e", *" and fork", "enter")  # e edits the first task
        await pilot.press("down", "enter", *" twice", "enter")  # so does enter
        await settle(pilot)
        assert editor.items[:2] == [f"{default[0]} and fork", f"{default[1]} twice"]
        assert editor.items[2:] == default[2:]


async def test_each_new_intake_starts_from_the_shops_template(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await type_form(pilot, "RM-1010", "Full service", "60")
        await pilot.press("space")
        editor = app.screen.query_one(ChecklistEditor)
        editor.query_one("#checklist-items").focus()
        await pilot.pause()
        await pilot.press("a", *"Check torque arm", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.screen.query_one(ChecklistEditor).items == list(checklist_template(shop))
    (ticket,) = list_tickets(shop, bike_code="RM-1010").items
    assert ticket.checklist_snapshot[-1] == "Check torque arm"


async def test_a_refused_create_puts_the_cursor_on_the_field_and_names_its_label(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await type_form(pilot, "RM-1010", "Brake service", "0")
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert text_of(app, "#srt-error") == "SRT must be more than 0 minutes."
        srt = app.screen.query_one("#srt", Input)
        assert srt.has_focus
        await pilot.press("backspace", *"45")  # typing goes straight into the SRT
        await settle(pilot)
        assert srt.value == "45"
        await pilot.press("tab", "space", "ctrl+s")  # approve again, then create
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
    assert list_tickets(shop, bike_code="RM-1010").items[0].srt_total_minutes == 45


async def test_unapproved_srt_points_at_the_checkbox_by_its_label(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await type_form(pilot, "RM-1010", "Brake service", "45")
        app.screen.query_one("#title", Input).focus()
        await pilot.press("ctrl+s")
        await settle(pilot)
        message = text_of(app, "#srt-error")
        assert "tick 'SRT approved'" in message
        assert "approve_srt" not in message
        assert app.screen.query_one("#approve-srt", Checkbox).has_focus


async def test_a_second_create_while_the_first_is_on_its_way_is_ignored(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "master")
        await type_form(pilot, "RM-1010", "Brake service", "45")
        await pilot.press("space")
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        screen.action_submit()
        screen.action_submit()  # the double tap, before the first has answered
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        assert "Not created" not in text_of(app, "#status-line")
        await pilot.press("escape")
        await settle(pilot)
        assert "Not created" not in text_of(app, "#status-line")
        assert "created for RM-1010" in text_of(app, "#status-line")
    assert list_tickets(shop, bike_code="RM-1010").total_count == 1
