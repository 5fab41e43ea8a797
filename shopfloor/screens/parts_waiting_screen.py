"""Parts waiting (ops_manager, master, super_admin): what to order — the parts parked
bikes wait for, oldest first, with the bike, how many and since when; ``a`` marks the
highlighted part arrived (asked first), so the technician and the Assign board see
"parts here". Opened from the Assign board and the dashboard; escape goes back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import Static

from .. import keys
from ..domain import Permission, allows, mark_part_arrived, parts_waiting
from ..domain.views import PartWaitingView
from ..widgets.formatting import local_time
from ..widgets.ticket_pager import Column, FittedTable
from .base import ShopScreen
from .dialogs import ConfirmDialog


def parts_columns(tz: Any) -> list[Column[PartWaitingView]]:
    """The list's columns; "since" in the shop's time zone."""
    return [
        Column("Part", lambda w: w.part_name, 8, grow=2, wrap=True),
        Column("Qty", lambda w: str(w.quantity), 3),
        Column("Bike", lambda w: w.bike_code, 7, fit=True),
        Column("#", lambda w: str(w.ticket), 3, fit=True),
        Column("Asked by", lambda w: w.asked_by_name, 6, grow=1, wrap=True, drop=1),
        Column("Since", lambda w: local_time(w.asked_at, tz), 11, fit=True),
    ]


class PartsWaitingScreen(ShopScreen):
    """The list to order from."""

    TITLE = "Parts waiting"
    BINDINGS = keys.PARTS_WAITING

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[PartWaitingView] = []

    def compose_body(self) -> Iterable[Any]:
        yield Static("", id="parts-title", classes="section-title", markup=False)
        yield FittedTable(parts_columns(self.shop_app.tz), id="parts-table")

    @property
    def table(self) -> FittedTable[PartWaitingView]:
        return self.query_one("#parts-table", FittedTable)

    def on_mount(self) -> None:
        self.table.focus()

    def refresh_data(self) -> None:
        self.call(parts_waiting, self.me, done=self._show, group="parts", exclusive=True)

    def _show(self, rows: list[PartWaitingView]) -> None:
        self.rows = rows
        self.table.show(rows, [str(w.id) for w in rows])
        title = (
            f"Parts to order: {len(rows)}" if rows else "No part is waited for: nothing to order."
        )
        self.query_one("#parts-title", Static).update(title)
        self.refresh_bindings()

    @property
    def highlighted(self) -> PartWaitingView | None:
        row = self.table.cursor_row
        return self.rows[row] if self.rows and 0 <= row < len(self.rows) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "arrived":
            may = allows(self.session.acting_roles(), Permission.MANAGE_PARTS)
            return True if may and self.is_mounted and self.highlighted else None
        return True

    def why_not(self, action: str) -> str:
        if action == "arrived":
            if not self.rows:
                return "No part is waited for."
            return "Masters and managers mark parts arrived."
        return ""

    def action_arrived(self) -> None:
        waiting = self.highlighted
        if waiting is None:
            return

        def done(_: PartWaitingView) -> None:
            self.set_status(
                f"{waiting.part_name} for {waiting.bike_code} (#{waiting.ticket}) arrived: "
                "its technician sees parts here."
            )
            self.refresh_data()

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.act(
                    "part_arrived",
                    waiting.ticket,
                    f"Marking {waiting.part_name} arrived",
                    mark_part_arrived,
                    self.me,
                    waiting.id,
                    done=done,
                )

        self.app.push_screen(
            ConfirmDialog(
                f"{waiting.quantity} x {waiting.part_name} for {waiting.bike_code} arrived?",
                f"#{waiting.ticket}, asked by {waiting.asked_by_name}. y or enter marks it here.",
                scan_note=f"{waiting.part_name} was not marked arrived",
            ),
            confirmed,
        )

    def action_close(self) -> None:
        self.dismiss()
