"""Readable at 80x24 and 60x20: titles and states whole, the key columns kept, every
theme colour at 4.5:1, the running ticket first, over-SRT tickets marked, and a key
that does nothing right now saying why."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual.color import Color
from textual.pilot import Pilot
from textual.widgets import DataTable

from shopfloor.app import ShopfloorApp
from shopfloor.domain import ManualClock, Shop, park_ticket, qc_fail, send_to_qc
from shopfloor.themes import MARKERS, TEXT_ON, THEMES, marker_style, theme_colour
from shopfloor.widgets.formatting import OVER_SRT

from ..conftest import People
from .conftest import settle, sign_in, type_slowly
from .test_scan import highlighted
from .test_themes import AA, contrast
from .test_work import move_to, status_line
from .workshop import Workshop

CONSOLE = Console(width=200)
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((60, 20), id="60x20")]


def rgb(name: str) -> tuple[int, int, int]:
    return Color.parse(name).rgb


def columns_by_label(table: DataTable[Text]) -> dict[str, int]:
    return {str(c.label): n for n, c in enumerate(table.ordered_columns)}


def cut_cells(table: DataTable[Text], labels: tuple[str, ...]) -> list[str]:
    """Cells of the ``labels`` columns whose text does not fit in their width times
    their row's height (what the person would see cut off)."""
    cut: list[str] = []
    columns = table.ordered_columns
    for row in table.ordered_rows:
        cells = table.get_row(row.key)
        for n, column in enumerate(columns):
            if str(column.label) not in labels:
                continue
            text = str(cells[n])
            lines = Text(text).wrap(CONSOLE, column.width)
            if len(lines) > row.height or any(cell_len(str(line)) > column.width for line in lines):
                cut.append(f"{column.label}: {text!r} in {column.width}x{row.height}")
    return cut


async def on_screen(pilot: Pilot[None], user: str, screen: str | None = None) -> ShopfloorApp:
    app = pilot.app
    assert isinstance(app, ShopfloorApp)
    await sign_in(pilot, user)
    if screen is not None:
        app.action_go(screen)
        await settle(pilot)
    return app


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("user", "screen", "labels"),
    [
        ("tech1", None, ("#", "Bike", "Title", "Status", "Worked/SRT")),
        ("qc", None, ("#", "Bike", "Title", "Tech", "Worked/SRT")),
        ("manager", "assign", ("#", "Bike", "Title", "Status")),
        ("manager", "tickets", ("#", "Bike", "Title", "Status", "Worked/SRT")),
    ],
)
async def test_titles_and_states_are_whole_and_the_key_columns_kept(
    app: ShopfloorApp,
    shop: Shop,
    people: People,
    workshop: Workshop,
    size: tuple[int, int],
    user: str,
    screen: str | None,
    labels: tuple[str, ...],
) -> None:
    # A parked ticket reads "waiting for parts": the longest state a list shows.
    park_ticket(shop, people.tech1, workshop.running, "waiting_for_parts")
    async with app.run_test(size=size) as pilot:
        await on_screen(pilot, user, screen)
        table = app.screen.query(DataTable).first()
        shown = columns_by_label(table)
        assert set(labels) <= set(shown), shown
        assert cut_cells(table, ("Title", "Status")) == []
        assert table.max_scroll_x == 0


@pytest.mark.parametrize("size", SIZES)
async def test_the_dashboard_keeps_srt_efficiency_and_pauses(
    app: ShopfloorApp, people: People, workshop: Workshop, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        await on_screen(pilot, "manager")
        table = app.screen.query_one("#team-table", DataTable)
        shown = columns_by_label(table)
        assert {"Technician", "Done", "1st pass", "Worked", "SRT eff", "Pauses"} <= set(shown)
        assert table.max_scroll_x == 0
        assert cut_cells(table, ("Technician",)) == []


# --- colours, from the theme definitions -----------------------------------------------------


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_every_colour_pair_the_stylesheet_draws_meets_aa_in_both_themes(theme: object) -> None:
    from textual.theme import Theme

    assert isinstance(theme, Theme)
    poor = [
        f"{text} on {background}: {ratio:.2f}:1"
        for text, backgrounds in TEXT_ON
        for background in backgrounds
        if (ratio := contrast(rgb(theme_colour(theme, text)), rgb(theme_colour(theme, background))))
        < AA
    ]
    poor += [
        f"marker {name}: {ratio:.2f}:1"
        for name, (text, background) in MARKERS.items()
        if (ratio := contrast(rgb(theme_colour(theme, text)), rgb(theme_colour(theme, background))))
        < AA
    ]
    assert poor == []


def test_markers_carry_their_own_background_so_any_row_keeps_their_contrast() -> None:
    for theme in THEMES:
        style = marker_style(theme, "alarm")
        assert " on " in style
        assert style.startswith("bold ")


# --- where the highlight starts, over-SRT, and keys that say why -----------------------------


async def test_my_work_starts_on_the_running_ticket(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "tech1")
        assert highlighted(app) == workshop.running  # not the oldest row, the rework one


async def test_a_ticket_over_its_srt_is_marked_on_my_work_qc_assign_and_tickets(
    app: ShopfloorApp, shop: Shop, clock: ManualClock, people: People, workshop: Workshop
) -> None:
    clock.advance(minutes=20)  # #9: 32m worked against an SRT of 30m

    def marked(table: DataTable[Text], label: str) -> Text:
        cell = table.get_row(str(workshop.running))[columns_by_label(table)[label]]
        assert isinstance(cell, Text)
        assert OVER_SRT in str(cell)
        assert marker_style(app.current_theme, "alarm") == str(cell.style)
        return cell

    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "tech1")
        assert str(marked(app.screen.query(DataTable).first(), "Worked/SRT")) == "▲32m/30m"
        send_to_qc(shop, people.tech1, workshop.running)
        await on_screen(pilot, "qc")
        marked(app.screen.query(DataTable).first(), "Worked/SRT")
        qc_fail(shop, people.qc, workshop.running, "Still squeaks.")
        await on_screen(pilot, "manager", "assign")
        assert str(marked(app.screen.query(DataTable).first(), "Status")) == "rework ▲SRT"
        app.action_go("tickets")
        await settle(pilot)
        marked(app.screen.query(DataTable).first(), "Worked/SRT")
        # Within the SRT: no mark.
        table = app.screen.query(DataTable).first()
        cell = table.get_row(str(workshop.assigned))[columns_by_label(table)["Worked/SRT"]]
        assert OVER_SRT not in str(cell)


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("q", "is assigned: only a ticket in progress goes to QC (s starts it first)."),
        ("w", "is assigned: only a ticket in progress can be parked (s starts it first)."),
    ],
)
async def test_a_key_that_does_nothing_on_this_row_says_why(
    app: ShopfloorApp, people: People, workshop: Workshop, key: str, says: str
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "tech1")
        await move_to(pilot, app, workshop.assigned)
        await type_slowly(pilot, key)
        assert status_line(app) == f"#{workshop.assigned} {says}"


async def test_pause_without_a_timer_says_how_to_start_one(
    app: ShopfloorApp, people: People, workshop: Workshop
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "tech2")  # tech2 has no open timer
        await type_slowly(pilot, "x")
        assert status_line(app) == "No timer is open: s starts one on the highlighted ticket."
