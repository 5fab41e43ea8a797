"""Themes: the terminal's own to start with, F9 to switch, WCAG AA contrast everywhere, NO_COLOR.

The contrast check reads the colours of every character actually drawn (the
compositor's output), so it measures what a person sees: the theme's colours as
the stylesheet combines them, the big timer in each of its states included.
"""

from __future__ import annotations

from datetime import UTC

import pytest
from rich.color import Color
from textual.color import Color as TextualColor
from textual.screen import ModalScreen
from textual.widgets._footer import FooterKey

from shopfloor.app import SCREENS, ShopfloorApp
from shopfloor.config import Settings
from shopfloor.domain import Shop, pause_work_session, set_roles
from shopfloor.domain.users import set_badge
from shopfloor.screens.technician_screen import TechnicianScreen
from shopfloor.themes import DARK, HIGH_CONTRAST, LIGHT, MONO, terminal_theme

from ..conftest import People
from .conftest import FakeIdle, burst, settle, sign_in
from .workshop import Workshop

AA = 4.5
Pair = tuple[tuple[int, int, int], tuple[int, int, int]]


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance."""

    def linear(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def rgb(color: Color) -> tuple[int, int, int]:
    triplet = color.get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)


def is_graphic(text: str) -> bool:
    """Block elements (U+2580-259F) draw tall borders, scrollbars and sparklines, not text."""
    return all(ch.isspace() or 0x2580 <= ord(ch) <= 0x259F for ch in text)


def drawn_pairs(app: ShopfloorApp, where: str, found: dict[Pair, tuple[float, str]]) -> None:
    """Every (text colour, background) pair on the screen now, with where it was seen.

    Under a dialog the screen behind is shaded on purpose (it is not active); only the
    dialog itself is read then.
    """
    screen = app.screen
    area = screen.query_one(".dialog").region if isinstance(screen, ModalScreen) else None
    for y, strip in enumerate(screen._compositor.render_strips()):
        if area is not None:
            if not area.y <= y < area.bottom:
                continue
            strip = strip.crop(area.x, area.right)
        for segment in strip:
            style = segment.style
            if style is None or not segment.text.strip() or is_graphic(segment.text):
                continue
            assert style.color is not None, (where, segment)
            assert style.bgcolor is not None, (where, segment)
            fg, bg = rgb(style.color), rgb(style.bgcolor)
            if style.reverse:
                fg, bg = bg, fg
            found.setdefault((fg, bg), (contrast(fg, bg), f"{where}: {segment.text.strip()!r}"))


async def visit(app: ShopfloorApp, pilot: object, found: dict[Pair, tuple[float, str]]) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)

    async def look(where: str, *keys: str) -> None:
        if keys:
            await pilot.press(*keys)
        await settle(pilot)
        drawn_pairs(app, where, found)

    await look("login")
    await burst(pilot, *"4711-AB", "enter")
    await look("login, the PIN after a badge scan")
    await pilot.press("escape")
    await pilot.press(*"admin", "enter", *"wrong", "enter")
    await look("login with an error")
    # A super admin who also works: every screen, and F8.
    await sign_in(pilot, "admin")
    for name in SCREENS:
        app.action_go(name)
        await look(f"admin {name}")
    app.action_go("assign")
    await look("assign, finding a bike by code", "x")
    await pilot.press("escape")
    await look("keys dialog", "question_mark")
    await look("role dialog", "escape", "f8")
    await pilot.press("escape")
    app.action_go("tickets")
    await look("all tickets, one over its SRT", "s")
    await look("ticket detail", "enter")
    await sign_in(pilot, "master")
    await look("intake, a known bike", *"RM-1010", "enter", *"Brake", "enter", *"45", "enter")
    await look("intake, refused", "ctrl+s")
    await look("intake, an unknown bike", "ctrl+n", *"RM-20", "enter")
    await sign_in(pilot, "tech1")
    await look("my work, timer running")
    app.lock()
    await look("lock screen, the timer running")
    app.pop_screen()
    await look("send to QC dialog", "q")
    await pilot.press("n")
    await sign_in(pilot, "tech2")
    await look("my work, no timer")
    await sign_in(pilot, "qc")
    await look("qc queue, fail dialog", "f")
    await look("qc queue, the pass confirmation", "escape", "p")
    await look("qc queue, a passed ticket", "y")


@pytest.mark.parametrize("theme", [DARK, LIGHT, HIGH_CONTRAST])
async def test_every_text_colour_meets_wcag_aa_on_its_background(
    app: ShopfloorApp, shop: Shop, people: People, workshop: Workshop, theme: str
) -> None:
    set_roles(shop, None, people.admin, ["super_admin", "technician"])
    set_badge(shop, None, people.tech1, "4711-AB")
    found: dict[Pair, tuple[float, str]] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await visit(app, pilot, found)
        # The timer paused: its own colour on the same panel.
        await sign_in(pilot, "tech1")
        pause_work_session(shop, people.tech1, workshop.running)
        assert isinstance(app.screen, TechnicianScreen)
        app.screen.refresh_data()
        await settle(pilot)
        drawn_pairs(app, "my work, timer paused", found)
    poor = sorted((ratio, where, pair) for pair, (ratio, where) in found.items() if ratio < AA)
    assert not poor, "\n".join(f"{ratio:.2f}:1 {where} {pair}" for ratio, where, pair in poor)
    # The walk really saw the screens (high contrast draws on fewer backgrounds: its
    # surface is its background).
    assert len(found) > (15 if theme == HIGH_CONTRAST else 20)


@pytest.mark.parametrize(
    ("colorfgbg", "theme"),
    [("15;0", DARK), ("0;15", LIGHT), ("0;default;15", LIGHT), ("0;7", LIGHT), ("7;8", DARK),
     ("", DARK), ("garbage", DARK)],
)  # fmt: skip
def test_the_start_theme_follows_the_terminal_background(colorfgbg: str, theme: str) -> None:
    assert terminal_theme({"COLORFGBG": colorfgbg} if colorfgbg else {}) == theme


def test_the_app_starts_in_the_terminals_theme(
    shop: Shop, settings: Settings, idle: FakeIdle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLORFGBG", "0;15")
    assert ShopfloorApp(shop, settings, tz=UTC, idle_clock=idle).theme == LIGHT
    monkeypatch.delenv("COLORFGBG")
    assert ShopfloorApp(shop, settings, tz=UTC, idle_clock=idle).theme == DARK


async def test_f9_switches_between_the_two_themes(app: ShopfloorApp, people: People) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "qc")
        start = app.theme
        await pilot.press("f9")
        assert app.theme == (LIGHT if start == DARK else DARK)
        await pilot.press("f9")
        assert app.theme == start


async def test_no_color_draws_everything_in_greys(
    shop: Shop,
    settings: Settings,
    idle: FakeIdle,
    people: People,
    workshop: Workshop,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = ShopfloorApp(shop, settings, tz=UTC, idle_clock=idle)
    assert app.theme == MONO  # the monochrome theme, and Textual's grey filter over it
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "tech1")  # the running timer is green when colour is allowed
        filters = app.get_line_filters()
        assert filters
        background = TextualColor.parse("black")
        for strip in app.screen._compositor.render_strips():
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            for segment in strip:
                for color in (segment.style.color, segment.style.bgcolor) if segment.style else ():
                    if color is not None and not color.is_default:
                        r, g, b = rgb(color)
                        assert r == g == b, (segment.text, color)


async def test_f9_is_shown_on_the_login_screen(app: ShopfloorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = {(key.key_display, key.description) for key in app.screen.query(FooterKey)}
        assert ("f9", "Theme") in shown


@pytest.mark.parametrize("theme", [DARK, LIGHT, HIGH_CONTRAST])
async def test_the_first_run_screen_meets_wcag_aa_too(app: ShopfloorApp, theme: str) -> None:
    found: dict[Pair, tuple[float, str]] = {}
    async with app.run_test(size=(80, 24)) as pilot:  # no users yet: the first-run screen
        app.theme = theme
        await settle(pilot)
        drawn_pairs(app, "first run", found)
        await pilot.press("enter", "enter", "enter")  # refused: its error line too
        await settle(pilot)
        drawn_pairs(app, "first run, refused", found)
    poor = sorted((ratio, where, pair) for pair, (ratio, where) in found.items() if ratio < AA)
    assert not poor, "\n".join(f"{ratio:.2f}:1 {where} {pair}" for ratio, where, pair in poor)
    assert found
