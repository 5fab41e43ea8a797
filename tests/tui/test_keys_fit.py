"""80x24 for every role: the everywhere-keys always show, every footer fits, ? lists the rest."""

from __future__ import annotations

import pytest
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from shopfloor.app import SCREENS, ShopfloorApp
from shopfloor.domain import Shop, find_user, set_roles
from shopfloor.screens.keys_dialog import KeysDialog

from ..conftest import People
from .conftest import settle, sign_in
from .workshop import Workshop

SWITCH_KEYS = {
    "intake": "f2 Intake",
    "assign": "f3 Assign",
    "my_work": "f4 My work",
    "qc": "f5 QC",
    "tickets": "f6 Tickets",
    "dashboard": "f7 Dash",
}
WIDTH = 80


def footer_right_edge(app: ShopfloorApp) -> int:
    keys = list(app.screen.query_one(Footer).query(FooterKey))
    return max((k.region.right for k in keys), default=0)


def nav_line(app: ShopfloorApp) -> str:
    return str(app.screen.query_one("#header-keys", Static).render())


@pytest.mark.parametrize(
    ("username", "roles"),
    [
        ("admin", ["super_admin"]),
        ("admin", ["super_admin", "master", "technician"]),  # the longest key line: F8 too
        ("master", ["master"]),
        ("manager", ["ops_manager"]),
        ("tech1", ["technician"]),
        ("qc", ["qc_inspector"]),
        ("nobody", []),
    ],
)
async def test_every_screen_of_every_role_fits_80_columns_with_log_out_and_switches(
    app: ShopfloorApp, shop: Shop, people: People, username: str, roles: list[str]
) -> None:
    set_roles(shop, None, getattr(people, username), roles)
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await sign_in(pilot, username)
        session = app.session
        assert session is not None
        allowed = [name for name in SCREENS if session.may_open(name)]
        for name in allowed:
            app.action_go(name)
            await settle(pilot)
            focus_places = [app.screen.focused]
            if name == "intake":  # the checklist editor adds its own keys
                focus_places.append(app.screen.query_one("#checklist-items"))
            for place in focus_places:
                if place is not None:
                    place.focus()
                await settle(pilot)
                assert footer_right_edge(app) <= WIDTH, (name, place)
            line = nav_line(app)
            assert len(line) <= WIDTH - 2, (name, line)  # the key line's padding
            assert "^o Log out" in line
            assert "f9 Theme" in line
            for other in allowed:
                if other != name:
                    assert SWITCH_KEYS[other] in line, (name, other, line)
            assert ("f8 Role" in line) is (len(roles) > 1)


async def test_question_mark_lists_every_key_including_quit_theme_and_pages(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await sign_in(pilot, "qc")
        await pilot.press("question_mark")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, KeysDialog)
        listed = {what: key for key, what in dialog.rows}
        assert listed["Quit"] == "^q"
        assert listed["Theme"] == "f9"
        assert listed["Log out"] == "^o"
        assert "]" in listed["Page →"]
        assert "[" in listed["Page ←"]
        assert (listed["Pass"], listed["Fail"]) == ("p", "f")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, KeysDialog)


async def test_f1_lists_the_keys_while_typing_in_intake(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await sign_in(pilot, "master")
        await pilot.press("question_mark")  # typed into the bike code, not a key list
        await settle(pilot)
        assert not isinstance(app.screen, KeysDialog)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, KeysDialog)
        listed = {what for _, what in app.screen.rows}
        assert {"Create", "Save as template", "Clear form", "Quit"} <= listed
    assert find_user(app.shop, "master") is not None
