"""A bike's history (everyone): every ticket it had, newest first, with who worked on it
and how long, its QC outcomes and its parkings. Enter opens a ticket; escape goes back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import Static

from .. import keys
from ..domain.history import BikeHistory, Repair, bike_history
from ..widgets.formatting import hm, local_time, status_label
from ..widgets.ticket_pager import Column, FittedTable
from .base import ShopScreen
from .ticket_detail_screen import TicketDetailScreen


def workers_text(repair: Repair) -> str:
    return ", ".join(f"{w.technician_name} {hm(w.worked_seconds)}" for w in repair.workers) or "-"


def qc_text(repair: Repair) -> str:
    """``failed (Quinn): brake rubs; passed`` — the QC outcomes in order."""
    said = []
    for q in repair.qc:
        outcome = "passed" if q.passed else "failed"
        note = f": {q.note}" if q.note else ""
        said.append(f"{outcome} ({q.inspector_name}){note}")
    return "; ".join(said) or "-"


def parked_text(repair: Repair) -> str:
    return "; ".join(p.reason for p in repair.parked) or "-"


class BikeHistoryScreen(ShopScreen):
    """One bike's repairs."""

    TITLE = "Bike history"
    BINDINGS = keys.BIKE_HISTORY

    def __init__(self, bike_id: int) -> None:
        super().__init__()
        self.bike_id = bike_id
        self.history: BikeHistory | None = None

    def compose_body(self) -> Iterable[Any]:
        tz = self.shop_app.tz
        yield Static("Loading…", id="history-bike", markup=False)
        yield FittedTable(
            [
                Column("#", lambda r: str(r.ticket.id), 3, fit=True),
                Column("Taken in", lambda r: local_time(r.ticket.created_at, tz), 12, drop=2),
                Column("Title", lambda r: r.ticket.title, 10, grow=2, wrap=True),
                Column("Status", lambda r: status_label(r.ticket.status), 8, wrap=True),
                Column("Who, time", workers_text, 10, grow=1, wrap=True),
                Column("QC", qc_text, 8, grow=1, wrap=True),
                Column("Parked", parked_text, 8, wrap=True, drop=1),
            ],
            id="history-repairs",
        )

    @property
    def table(self) -> FittedTable[Repair]:
        return self.query_one("#history-repairs", FittedTable)

    def on_mount(self) -> None:
        self.table.focus()

    def refresh_data(self) -> None:
        self.call(
            bike_history, self.me, self.bike_id, done=self._show, exclusive=True, group="history"
        )

    def _show(self, history: BikeHistory) -> None:
        self.history = history
        bike, tz = history.bike, self.shop_app.tz
        state = status_label(bike.status) if bike.is_active else "archived"
        worked = sum(w.worked_seconds for r in history.repairs for w in r.workers)
        self.query_one("#history-bike", Static).update(
            f"{bike.bike_code} · {state} · in the fleet since {local_time(bike.created_at, tz)}"
            f" · {len(history.repairs)} tickets · {hm(worked)} worked on it"
        )
        self.table.show(history.repairs, [str(r.ticket.id) for r in history.repairs])
        self.set_status(
            "enter opens the highlighted ticket · escape goes back"
            if history.repairs
            else f"{bike.bike_code} has had no ticket yet."
        )

    def on_data_table_row_selected(self, event: Any) -> None:
        event.stop()
        rows: list[Repair] = self.table._rows
        if 0 <= self.table.cursor_row < len(rows):
            self.app.push_screen(TicketDetailScreen(rows[self.table.cursor_row].ticket.id))

    def action_close(self) -> None:
        self.dismiss()
