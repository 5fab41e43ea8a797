"""The admin screens, as a new shop's first admin uses them at 80x24, keyboard only:
People (add, roles, badge and PIN), Fleet (ten bikes at once, archive), Rules (change the
pause budget, roll it back), and what an ops manager may open there."""

from __future__ import annotations

import re

from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import Static

from shopfloor.app import ShopfloorApp
from shopfloor.domain import (
    Shop,
    create_bike,
    find_user,
    list_bikes,
    list_users,
    rules_history,
    timer_rules,
)
from shopfloor.domain.parts import list_parts
from shopfloor.domain.users import authenticate, authenticate_badge, must_change_password
from shopfloor.screens.admin_dialogs import FormDialog, InfoDialog
from shopfloor.screens.dashboard_screen import DashboardScreen
from shopfloor.screens.fleet_screen import FleetScreen, expand_codes
from shopfloor.screens.parts_screen import PartsScreen
from shopfloor.screens.people_screen import PeopleScreen
from shopfloor.screens.rules_screen import RulesScreen, parse_reasons, reasons_text

from ..conftest import People
from .conftest import FakeIdle, burst, log_in, quiet, settle


def status_line(app: ShopfloorApp) -> str:
    return str(app.screen.query_one("#status-line", Static).render())


async def type_text(pilot: Pilot[None], text: str) -> None:
    """Typed by a person: whatever the scan guard held back is handed on before enter."""
    await pilot.press(*text)
    await quiet(pilot)


async def fill_form(pilot: Pilot[None], *values: str) -> None:
    for value in values:
        await type_text(pilot, value)
        await pilot.press("enter")
        await settle(pilot)


async def test_the_first_admin_adds_a_technician_with_a_badge_and_a_pin(
    app: ShopfloorApp, shop: Shop, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PeopleScreen)
        await pilot.press("a")
        await settle(pilot)
        await fill_form(pilot, "sam", "Sam", "Ode", "pw-12345", "pw-1234x")
        assert isinstance(app.screen, FormDialog)  # the two passwords differ: it stays
        assert "differ" in str(app.screen.query_one(".dialog-hint", Static).render())
        await pilot.press("ctrl+u")  # the second one again
        await fill_form(pilot, "pw-12345")
        await pilot.press("down", "down", "down", "space", "enter")  # Technician
        await settle(pilot)
        assert isinstance(app.screen, PeopleScreen)
        assert status_line(app) == "Added sam (technician)."
        sam = find_user(shop, "sam")
        assert (sam.display_name, sam.role_slugs) == ("Sam Ode", ("technician",))

        app.screen.table.move_cursor(row=[u.username for u in app.screen.table._rows].index("sam"))
        await pilot.press("b")
        await settle(pilot)
        await fill_form(pilot, "BADGE-0042")
        await pilot.press("i")
        await settle(pilot)
        await fill_form(pilot, "2468", "2468")
        assert status_line(app) == "PIN set for sam."
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, InfoDialog)
        log = str(app.screen.query_one(".info-lines Static", Static).render())
        assert "PIN set (Admin)" in log
        assert "badge set (Admin)" in log
        assert "added; roles: technician (Admin)" in log
    assert authenticate_badge(shop, "badge-0042", "2468", client="test").username == "sam"


async def test_a_scan_in_the_add_person_form_adds_nobody(
    app: ShopfloorApp, shop: Shop, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("p", "a")
        await settle(pilot)
        await type_text(pilot, "sam")
        await burst(pilot, *"RM-1001", "enter")
        assert isinstance(app.screen, PeopleScreen)
        assert "nobody was added" in status_line(app)
    assert "sam" not in {u.username for u in list_users(shop)}


def test_a_range_of_codes_is_every_code_between_as_wide_as_the_first() -> None:
    assert expand_codes("RM-0009..RM-0011, rm-7") == ["RM-0009", "RM-0010", "RM-0011", "rm-7"]
    assert expand_codes("RM-098..100") == ["RM-098", "RM-099", "RM-100"]


async def test_the_admin_adds_ten_bikes_at_once_and_archives_one(
    app: ShopfloorApp, shop: Shop, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        await pilot.press("a")
        await settle(pilot)
        await fill_form(pilot, "RM-0001..RM-0010")
        assert status_line(app).startswith("Added 10 bikes: RM-0001 … RM-0010 · 10 bikes")
        await pilot.press("x", "y")
        await settle(pilot)
        assert status_line(app).startswith("RM-0001 archived. · 9 bikes in the fleet")
        await pilot.press("v")
        await settle(pilot)
        assert [b.bike_code for b in app.screen.table._rows] == ["RM-0001"]
    assert list_bikes(shop, archived=True).total_count == 1


async def test_the_admin_changes_the_pause_budget_and_rolls_it_back(
    app: ShopfloorApp, shop: Shop, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RulesScreen)
        await pilot.press("down", "enter")  # the pause budget
        await settle(pilot)
        await fill_form(pilot, "45")
        assert timer_rules(shop).pause_budget_minutes == 45
        await pilot.press("h", "down", "enter")  # version 1: before the change
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert status_line(app) == "Rules rolled back to version 1 (now version 3)."
        versions = [row.what for row in app.screen.history._rows]
        assert versions[0].startswith("Rolled back to version 1: pause_budget_minutes: 45 -> 30")
    assert timer_rules(shop).pause_budget_minutes == 30
    assert rules_history(shop, people.admin)[0].changed_by == people.admin


async def test_an_ops_manager_opens_fleet_and_rules_but_not_people_nor_the_xp_amounts(
    app: ShopfloorApp, shop: Shop, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RulesScreen)
        await pilot.press("end", "enter")  # XP: first-pass bonus
        await settle(pilot)
        assert isinstance(app.screen, RulesScreen)
        assert status_line(app) == "Your role may not change this rule."
        await pilot.press("escape", "f")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)


def test_pause_reasons_read_back_as_they_are_typed() -> None:
    typed = "parts=Waiting for parts; lunch=Lunch!; other=Other+note"
    reasons = parse_reasons(typed)
    assert [(r.code, r.label, r.counts, r.needs_note) for r in reasons] == [
        ("parts", "Waiting for parts", True, False),
        ("lunch", "Lunch", False, False),
        ("other", "Other", True, True),
    ]
    assert reasons_text(reasons) == typed


async def test_a_person_added_with_a_one_time_code_chooses_a_password_at_first_login(
    app: ShopfloorApp, shop: Shop, people: People
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("p", "a")
        await settle(pilot)
        await fill_form(pilot, "sam", "Sam", "", "", "")  # both passwords blank
        await pilot.press("down", "down", "down", "space", "enter")
        await settle(pilot)
        found = re.search(r"one-time code ([A-Z2-9]{4}-[A-Z2-9]{4})", status_line(app))
        assert found is not None, status_line(app)
        app.log_out()
        await settle(pilot)
        await log_in(pilot, "sam", found.group(1))
        assert isinstance(app.screen, FormDialog)
        await fill_form(pilot, "sams-own-pw", "sams-own-pw")
        assert app.session is not None
        assert app.session.user.username == "sam"
    assert authenticate(shop, "sam", "sams-own-pw").username == "sam"
    assert not must_change_password(shop, find_user(shop, "sam").id)


async def test_the_admin_builds_a_parts_catalogue_from_fleet_and_gives_a_bike_its_model(
    app: ShopfloorApp, shop: Shop, people: People, idle: FakeIdle
) -> None:
    create_bike(shop, None, "RM-0001")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, PartsScreen)
        assert status_line(app).startswith("No parts yet")
        await pilot.press("n")
        await settle(pilot)
        await fill_form(pilot, "City e-bike")
        assert status_line(app).startswith("Added bike model City e-bike")
        await pilot.press("a")
        await settle(pilot)
        await fill_form(pilot, "City e-bike", "Rear brake pads")
        assert status_line(app).startswith("Rear brake pads is in City e-bike's catalogue")
        idle.now += 5  # a while later: not a double tap of the first add
        await pilot.press("a")  # the highlighted part's model comes filled in
        await settle(pilot)
        await fill_form(pilot, "", "Chain")
        assert [p.name for p in app.screen.table._rows] == ["Chain", "Rear brake pads"]
        await pilot.press("d", "y")  # Chain, highlighted first
        await settle(pilot)
        assert status_line(app).startswith("Chain removed. · 1 parts of 1 models, in use")
        assert [p.name for p in list_parts(shop, None)] == ["Rear brake pads"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        await pilot.press("o")
        await settle(pilot)
        await fill_form(pilot, "City e-bike")
        assert status_line(app).startswith("RM-0001 is a City e-bike.")
    with shop.engine.connect() as conn:
        model = conn.execute(text("SELECT model_id FROM bikes WHERE bike_code = 'RM-0001'"))
        assert model.scalar() == list_parts(shop, None)[0].model_id
