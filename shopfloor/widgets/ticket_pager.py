"""A table of tickets read one page at a time, so ten thousand tickets cost one page.

The owner gives a loader (page number -> :class:`Page`) that runs in a thread
worker; the pager keeps the highlighted ticket across reloads and pages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from .. import keys, themes
from ..domain import DomainError, NotFound, Page, TicketView

T = TypeVar("T")


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column: its heading, how a row fills it and how wide it is.

    ``width`` is the least it gets (never less than its heading). A ``fit`` column
    widens to its longest cell on the page (ticket numbers and codes are never cut);
    ``grow`` columns share the width left over, in proportion to their ``grow``
    (titles use a wide terminal).
    A ``wrap`` column that is still too narrow wraps onto more lines of its row (a
    title or a state is read whole, never cut off). When even the least widths do not
    fit, columns with a ``drop`` rank are left out, the highest rank first.
    ``marker``: the theme marker (``themes.MARKERS``) a cell wears, if any.
    """

    label: str
    value: Callable[[T], str]
    width: int | None = None
    grow: int = 0
    fit: bool = False
    wrap: bool = False
    drop: int = 0
    marker: Callable[[T], str | None] | None = None


def column_widths(
    columns: Sequence[Column[Any]], cells: Sequence[Sequence[str]], space: int, padding: int = 0
) -> list[int | None]:
    """Widths (without cell padding) that fill ``space`` columns of text, where each column
    shown also costs ``padding``; None for a column left out because even the least
    widths do not fit."""
    widths: list[int | None] = []
    for n, column in enumerate(columns):
        width = max(column.width or 0, cell_len(column.label))  # a heading is never cut
        if column.fit:
            width = max([width, *(cell_len(row[n]) for row in cells)])
        widths.append(width)
    droppable = sorted((c.drop, n) for n, c in enumerate(columns) if c.drop > 0)

    def needed() -> int:
        return sum(w + padding for w in widths if w is not None)

    while droppable and needed() > space:
        _, n = droppable.pop()
        widths[n] = None
    shown = sum(1 for w in widths if w is not None)
    return _share(columns, widths, space - padding * shown)


def _share(
    columns: Sequence[Column[Any]], widths: list[int | None], space: int
) -> list[int | None]:
    """Shrink the growing columns to fit ``space``, or share what is left over among them."""
    growers = [n for n, c in enumerate(columns) if c.grow > 0 and widths[n] is not None]
    spare = space - sum(w for w in widths if w is not None)
    # Too narrow: growing columns give way first, down to their heading, widest first.
    sized: dict[int, int] = {n: w for n, w in enumerate(widths) if w is not None}
    while spare < 0:
        shrinkable = [n for n in growers if sized[n] > cell_len(columns[n].label)]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda n: sized[n])
        sized[widest] -= 1
        spare += 1
    if growers and spare > 0:
        total = sum(columns[n].grow for n in growers)
        given = 0
        for i, n in enumerate(growers):
            share = spare - given if i == len(growers) - 1 else spare * columns[n].grow // total
            sized[n] += share
            given += share
    return [sized.get(n) for n in range(len(widths))]


def fill_table(
    table: DataTable[Text],
    columns: Sequence[Column[T]],
    rows: Sequence[T],
    keys: Sequence[str],
) -> None:
    """Lay ``columns`` out for the table's width, then add one row per item of ``rows``.

    A row whose wrapping cells do not fit their width grows as tall as they need.
    """
    cells = [[c.value(item) for c in columns] for item in rows]
    # Cell padding on both sides of each column, and room for the vertical scrollbar
    # whether or not it shows, so a long page never pushes the table sideways.
    space = table.size.width - table.styles.scrollbar_size_vertical
    laid_out = column_widths(columns, cells, space, 2 * table.cell_padding)
    shown = [n for n, w in enumerate(laid_out) if w is not None]
    widths = [w for w in laid_out if w is not None]
    table.clear(columns=True)
    for n, width in zip(shown, widths, strict=True):
        table.add_column(columns[n].label, width=width, key=str(n))
    theme = table.app.current_theme
    for item, row, key in zip(rows, cells, keys, strict=True):
        texts: list[Text] = []
        tall = False
        for n, width in zip(shown, widths, strict=True):
            column = columns[n]
            marker = column.marker(item) if column.marker else None
            # Text, not str: a title like "[red]" must show as typed, not as markup.
            text = Text(row[n], style=themes.marker_style(theme, marker) if marker else "")
            if column.wrap:
                tall = tall or cell_len(row[n]) > width
            else:
                text.no_wrap = True
                text.overflow = "ellipsis"
            texts.append(text)
        table.add_row(*texts, key=key, height=None if tall else 1)


class TicketTable(DataTable[Text]):
    """A row table: Home/End go to the first/last row, never sideways."""

    BINDINGS = keys.TICKET_TABLE


class FittedTable(TicketTable, Generic[T]):
    """A row table whose columns always fit its width (:func:`fill_table`), laid out
    again whenever it is resized; the cursor stays on its row."""

    def __init__(self, columns: Sequence[Column[T]], *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.columns_shown = list(columns)
        self._rows: list[T] = []
        self._keys: list[str] = []

    def show(self, rows: Sequence[T], keys: Sequence[str]) -> None:
        self._rows, self._keys = list(rows), list(keys)
        self._refill()

    def _refill(self) -> None:
        row = self.cursor_row
        fill_table(self, self.columns_shown, self._rows, self._keys)
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1), animate=False)

    def on_resize(self) -> None:
        self._refill()


class TicketPager(Vertical):
    """A DataTable of one page of tickets plus a ``page 2/17 · 1,234 tickets`` line."""

    class Highlighted(Message):
        """The highlighted ticket changed (``None`` when the page is empty)."""

        def __init__(self, pager: TicketPager, ticket: TicketView | None) -> None:
            super().__init__()
            self.pager = pager
            self.ticket = ticket

    class Selected(Message):
        """Enter was pressed on a ticket."""

        def __init__(self, pager: TicketPager, ticket: TicketView) -> None:
            super().__init__()
            self.pager = pager
            self.ticket = ticket

    class Loaded(Message):
        """A page arrived."""

        def __init__(self, pager: TicketPager) -> None:
            super().__init__()
            self.pager = pager

    def __init__(
        self,
        columns: Sequence[Column[TicketView]],
        loader: Callable[[int], Page[TicketView]],
        *,
        empty: str = "No tickets.",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes="ticket-pager")
        self.columns = list(columns)
        self.loader = loader
        self.empty = empty
        self.page_number = 1
        self.page: Page[TicketView] | None = None
        self._tickets: dict[str, TicketView] = {}
        self._error: str | None = None
        self.want: int | None = None  # a ticket to highlight once a page holding it is read

    def compose(self) -> ComposeResult:
        yield TicketTable(cursor_type="row", zebra_stripes=True)
        yield Static("Loading…", classes="pager-info", markup=False)

    def on_mount(self) -> None:
        self._fill(self.table, ())

    def _fill(self, table: DataTable[Text], tickets: Sequence[TicketView]) -> None:
        """Lay the columns out for the table's width, then add one row per ticket."""
        fill_table(table, self.columns, tickets, [str(t.id) for t in tickets])

    def on_resize(self) -> None:
        # Columns grow and shrink with the terminal; the highlighted ticket stays put.
        table = self.table
        row = table.cursor_row
        self._fill(table, self.page.items if self.page else ())
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), animate=False)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one(DataTable)

    @property
    def highlighted(self) -> TicketView | None:
        """The ticket under the cursor, if the page has any."""
        table = self.table
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._tickets.get(key or "")

    def highlight(self, ticket_id: int) -> None:
        """Move the cursor to ``ticket_id`` now if this page holds it, else once a page
        holding it is read."""
        if str(ticket_id) in self._tickets:
            table = self.table
            table.move_cursor(row=table.get_row_index(str(ticket_id)), animate=False)
        else:
            self.want = ticket_id
            if self.page is not None:
                self.reload()

    def reload(self) -> None:
        """Read the current page again (in a thread)."""
        self.run_worker(self._load, thread=True, group="page", exclusive=True)

    def turn(self, delta: int) -> None:
        """Go ``delta`` pages forward or back, staying within the pages that exist."""
        count = self.page.page_count if self.page else 1
        target = min(max(1, self.page_number + delta), count)
        if target != self.page_number:
            self.page_number = target
            self.table.move_cursor(row=0)
            self.reload()

    def _load(self) -> None:
        worker = get_current_worker()
        number = self.page_number
        error: str | None = None
        page: Page[TicketView] | None = None
        want = self.want
        try:
            page = self.loader(number)
            if want is not None and all(t.id != want for t in page.items):
                # Look for the wanted ticket on the other pages (queues are short).
                for other in range(1, page.page_count + 1):
                    if other != number:
                        found = self.loader(other)
                        if any(t.id == want for t in found.items):
                            page, number = found, other
                            break
        except NotFound:
            # The list shrank under us (a page past the end): fall back to the first page.
            try:
                number = 1
                page = self.loader(1)
            except DomainError as exc:
                error = exc.message
        except DomainError as exc:
            error = exc.message
        except Exception as exc:  # keep the terminal alive if the database hiccups
            error = f"Could not read tickets: {exc}"
        if not worker.is_cancelled:
            with contextlib.suppress(RuntimeError):
                self.app.call_from_thread(self._show, number, page, error)

    def _show(self, number: int, page: Page[TicketView] | None, error: str | None) -> None:
        if not (self.is_mounted and self.is_attached):
            return  # the screen went away while the page was read
        info = self.query_one(".pager-info", Static)
        if page is None:
            info.update(error or "")
            return
        table = self.table
        keep = self.highlighted
        keep_row = table.cursor_row
        self.page_number = number
        self.page = page
        self._tickets = {str(t.id): t for t in page.items}
        self._fill(table, page.items)
        want, self.want = self.want, None
        if want is not None and str(want) in self._tickets:
            table.move_cursor(row=table.get_row_index(str(want)), animate=False)
        elif keep is not None and str(keep.id) in self._tickets:
            table.move_cursor(row=table.get_row_index(str(keep.id)), animate=False)
        elif page.items:
            table.move_cursor(row=min(keep_row, len(page.items) - 1), animate=False)
        if page.total_count == 0:
            info.update(self.empty)
        else:
            info.update(
                f"page {page.page}/{page.page_count} · {page.total_count:,} "
                + ("ticket" if page.total_count == 1 else "tickets")
                + (" · [ ] turn pages" if page.page_count > 1 else "")
                + " · enter opens"
            )
        self.post_message(self.Loaded(self))
        self.post_message(self.Highlighted(self, self.highlighted))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self, self.highlighted))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        ticket = self._tickets.get(event.row_key.value or "")
        if ticket is not None:
            self.post_message(self.Selected(self, ticket))

    def focus_table(self) -> Any:
        return self.table.focus()
