"""A table of tickets read one page at a time, so ten thousand tickets cost one page.

The owner gives a loader (page number -> :class:`Page`) that runs in a thread
worker; the pager keeps the highlighted ticket across reloads and pages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from .. import keys
from ..domain import DomainError, NotFound, Page, TicketView


@dataclass(frozen=True)
class Column:
    """One column: its heading, how a ticket fills it and how wide it is.

    ``width`` is the least it gets. A ``fit`` column widens to its longest cell on
    the page (ticket numbers and codes are never cut); ``grow`` columns share the
    width left over, in proportion to their ``grow`` (titles use a wide terminal).
    """

    label: str
    value: Callable[[TicketView], str]
    width: int | None = None
    grow: int = 0
    fit: bool = False


def column_widths(
    columns: Sequence[Column], cells: Sequence[Sequence[str]], space: int
) -> list[int]:
    """Widths (without cell padding) that fill ``space`` columns of text."""
    widths: list[int] = []
    for n, column in enumerate(columns):
        width = column.width or cell_len(column.label)
        if column.fit:
            width = max([width, cell_len(column.label), *(cell_len(row[n]) for row in cells)])
        widths.append(width)
    growers = [n for n, c in enumerate(columns) if c.grow > 0]
    spare = space - sum(widths)
    # Too narrow: growing columns give way first, down to their heading, widest first.
    while spare < 0:
        shrinkable = [n for n in growers if widths[n] > cell_len(columns[n].label)]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda n: widths[n])
        widths[widest] -= 1
        spare += 1
    if growers and spare > 0:
        total = sum(columns[n].grow for n in growers)
        given = 0
        for i, n in enumerate(growers):
            share = spare - given if i == len(growers) - 1 else spare * columns[n].grow // total
            widths[n] += share
            given += share
    return widths


class TicketTable(DataTable[Text]):
    """A row table: Home/End go to the first/last row, never sideways."""

    BINDINGS = keys.TICKET_TABLE


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
        columns: Sequence[Column],
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
        cells = [[c.value(t) for c in self.columns] for t in tickets]
        # Cell padding on both sides of each column, and room for the vertical scrollbar
        # whether or not it shows, so a long page never pushes the table sideways.
        padding = 2 * table.cell_padding * len(self.columns)
        space = table.size.width - padding - table.styles.scrollbar_size_vertical
        widths = column_widths(self.columns, cells, space)
        table.clear(columns=True)
        for column, width in zip(self.columns, widths, strict=True):
            table.add_column(column.label, width=width)
        for ticket, row in zip(tickets, cells, strict=True):
            # Text, not str: a title like "[red]" must show as typed, not as markup.
            table.add_row(*(Text(c) for c in row), key=str(ticket.id))

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
