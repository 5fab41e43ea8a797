"""A keymap file at work: ``work.pause = "o"`` pauses with o, the footer and the ? list
say o, and p no longer pauses; a theme named in the file is the one the terminal starts in."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from textual.widgets import Static
from textual.widgets._footer import FooterKey

from shopfloor.app import ShopfloorApp
from shopfloor.config import Settings
from shopfloor.domain import Shop, open_session_of
from shopfloor.keymap import parse_config
from shopfloor.screens.assign_screen import AssignScreen
from shopfloor.screens.keys_dialog import KeysDialog
from shopfloor.screens.lock_screen import LockScreen
from shopfloor.screens.login_screen import LoginScreen
from shopfloor.screens.technician_screen import ReasonDialog, TechnicianScreen
from shopfloor.themes import HIGH_CONTRAST, LIGHT
from shopfloor.widgets.header import nav_keys

from ..conftest import People
from .conftest import FakeIdle, settle, sign_in
from .test_work import row_keys
from .workshop import Workshop

PAUSE_ON_O = parse_config('[keys]\nwork.pause = "o"\n', Path("config.toml"))


def footer(app: ShopfloorApp) -> set[tuple[str, str]]:
    return {(key.key_display, key.description) for key in app.screen.query(FooterKey)}


async def test_a_keymap_file_moving_pause_to_o_pauses_with_o_and_shows_it(
    shop: Shop, settings: Settings, idle: FakeIdle, people: People, workshop: Workshop
) -> None:
    app = ShopfloorApp(shop, settings, tz=UTC, idle_clock=idle, ui=PAUSE_ON_O)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "tech1")  # tech1's timer runs
        assert isinstance(app.screen, TechnicianScreen)
        assert ("o", "Pause/Resume") in footer(app)
        assert ("p", "Pause/Resume") not in footer(app)
        await pilot.press("p")  # the old key does nothing now
        await settle(pilot)
        assert isinstance(app.screen, TechnicianScreen)
        assert open_session_of(shop, people.tech1).status == "running"  # type: ignore[union-attr]
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, KeysDialog)
        assert ("o", "Pause/Resume") in app.screen.rows
        await pilot.press("escape")
        await pilot.press("o")  # pause asks why: one digit picks the reason
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("2")
        await settle(pilot)
        assert open_session_of(shop, people.tech1).status == "paused"  # type: ignore[union-attr]
        caption = str(app.screen.query_one("#timer-caption", Static).render())
        assert "PAUSED (o resumes)" in caption


async def test_a_theme_named_in_the_file_is_the_start_and_f9_comes_back_to_it(
    shop: Shop, settings: Settings, idle: FakeIdle, people: People
) -> None:
    ui = parse_config('[theme]\nname = "shopfloor-high-contrast"\n', Path("config.toml"))
    app = ShopfloorApp(shop, settings, tz=UTC, idle_clock=idle, ui=ui)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "qc")
        assert app.theme == HIGH_CONTRAST
        await pilot.press("f9")
        assert app.theme == LIGHT
        await pilot.press("f9")
        assert app.theme == HIGH_CONTRAST


async def test_a_letter_moved_on_the_assign_board_acts_and_the_old_one_starts_a_search(
    shop: Shop, settings: Settings, idle: FakeIdle, people: People, workshop: Workshop
) -> None:
    ui = parse_config('[keys]\nassign.show_assigned = "u"\n', Path("config.toml"))
    app = ShopfloorApp(shop, settings, tz=UTC, idle_clock=idle, ui=ui)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "manager")
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, AssignScreen)
        await pilot.press("u")
        await settle(pilot)
        assert workshop.assigned in row_keys(app)  # u shows assigned tickets too
        assert not app.screen.find_field.display
        await pilot.press("v")  # no key of the board now: it starts "find a bike"
        await settle(pilot)
        assert (app.screen.find_field.display, app.screen.find_field.value) == (True, "v")


async def test_log_out_moved_off_ctrl_o_works_and_is_named_on_the_header_and_lock_screen(
    shop: Shop, settings: Settings, idle: FakeIdle, people: People
) -> None:
    ui = parse_config('[keys]\napp.logout = "ctrl+l"\n', Path("config.toml"))
    app = ShopfloorApp(shop, settings, tz=UTC, idle_clock=idle, ui=ui)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "qc")
        assert ("^l", "Log out") in nav_keys(app.screen)
        await pilot.press("ctrl+o")  # free now: nothing happens
        await settle(pilot)
        assert app.session is not None
        app.lock()
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        assert "or ^l to switch user" in str(app.screen.query_one(".dialog-detail").render())
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
