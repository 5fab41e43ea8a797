"""Fleet (super_admin, ops_manager, master): the bikes, filtered by status, archived or not
and a piece of their code; add one or many, archive and restore. The same use cases
and rules as ``shopfloor bike …``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .. import keys
from ..domain import (
    BikeStatus,
    BikeView,
    Page,
    archive_bike,
    create_bikes,
    list_bikes,
    restore_bike,
)
from ..domain.parts import set_bike_model
from ..widgets.formatting import local_time
from ..widgets.ticket_pager import Column, FittedTable
from .bike_history_screen import BikeHistoryScreen
from .dialogs import ConfirmDialog, TextDialog
from .people_screen import AdminScreen

PER_PAGE = 100
MAX_RANGE = 500
STATUSES: tuple[str | None, ...] = (None, *(s.value for s in BikeStatus))
# Which bikes show: in the fleet (not archived), archived ones, or all.
SHOWN: tuple[tuple[str, bool | None], ...] = (
    ("in the fleet", False),
    ("archived", True),
    ("all", None),
)
_RANGE = re.compile(r"^(.*?)(\d+)\.\.(.*?)(\d+)$")


class CodeListError(ValueError):
    """A list of bike codes that cannot be read; the message says why."""


def expand_codes(text: str) -> list[str]:
    """Codes separated by spaces or commas; ``RM-0001..RM-0010`` (or ``RM-0001..10``) is
    every code between, the digits as wide as the first's. The domain checks each code."""
    codes: list[str] = []
    for part in re.split(r"[\s,;]+", text.strip()):
        if not part:
            continue
        match = _RANGE.match(part)
        if match is None:
            codes.append(part)
            continue
        prefix, first, other_prefix, last = match.groups()
        if other_prefix and other_prefix.upper() != prefix.upper():
            raise CodeListError(f"{part}: both ends of a range need the same prefix.")
        start, end = int(first), int(last)
        if end < start or end - start >= MAX_RANGE:
            raise CodeListError(f"{part}: a range goes up, by at most {MAX_RANGE} bikes.")
        codes.extend(f"{prefix}{n:0{len(first)}d}" for n in range(start, end + 1))
    return codes


def bike_state(bike: BikeView) -> str:
    return bike.status.replace("_", " ") if bike.is_active else "archived"


class FleetScreen(AdminScreen[BikeView]):
    """The bikes, one page at a time; the keys change the highlighted one."""

    TITLE = "Fleet"
    BINDINGS = keys.FLEET

    def __init__(self) -> None:
        super().__init__()
        self.status_index = 0
        self.shown_index = 0
        self.query_text = ""
        self.page = 1
        self.page_count = 1

    def compose_body(self) -> Iterable[Any]:
        tz = self.shop_app.tz
        yield FittedTable(
            [
                Column("Code", lambda b: b.bike_code, 7, fit=True),
                Column("Status", bike_state, 10),
                Column("In the fleet since", lambda b: local_time(b.created_at, tz), 12, grow=1),
                Column(
                    "Archived",
                    lambda b: local_time(b.archived_at, tz) if b.archived_at else "-",
                    8,
                    grow=1,
                    drop=1,
                ),
            ],
            id=self.TABLE_ID,
        )

    def refresh_data(self) -> None:
        self.call(
            list_bikes,
            page=self.page,
            per_page=PER_PAGE,
            status=STATUSES[self.status_index],
            query=self.query_text or None,
            archived=SHOWN[self.shown_index][1],
            done=self._show,
            exclusive=True,
            group="fleet",
        )

    def _show(self, page: Page[BikeView]) -> None:
        if page.items == () and page.page > 1:  # the last page emptied meanwhile
            self.page = page.page_count
            self.refresh_data()
            return
        self.page_count = page.page_count
        self.table.show(page.items, [str(b.id) for b in page.items])
        status = STATUSES[self.status_index] or "any status"
        found = f" · code has {self.query_text}" if self.query_text else ""
        where = f" · page {page.page}/{page.page_count}" if page.page_count > 1 else ""
        summary = (
            f"{page.total_count} bikes {SHOWN[self.shown_index][0]} · "
            f"{status.replace('_', ' ')}{found}{where}"
        )
        said = self.take_said()
        self.set_status(f"{said} · {summary}" if said else summary)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_archived", "set_model"):
            return None if self.is_mounted and self.highlighted() is None else True
        return True

    def why_not(self, action: str) -> str:
        return "No bike is highlighted." if action == "toggle_archived" else ""

    def on_data_table_row_highlighted(self, _event: Any) -> None:
        self.refresh_bindings()

    def _reload_from_start(self) -> None:
        self.page = 1
        self.refresh_data()

    def action_cycle_status(self) -> None:
        self.status_index = (self.status_index + 1) % len(STATUSES)
        self._reload_from_start()

    def action_cycle_shown(self) -> None:
        self.shown_index = (self.shown_index + 1) % len(SHOWN)
        self._reload_from_start()

    def action_page(self, delta: int) -> None:
        wanted = min(max(1, self.page + delta), self.page_count)
        if wanted != self.page:
            self.page = wanted
            self.refresh_data()

    def action_find(self) -> None:
        def found(text: str | None) -> None:
            if text is None:
                return
            self.query_text = text
            self._reload_from_start()

        self.app.push_screen(
            TextDialog(
                "Show the bikes whose code has…",
                detail="A piece of the code, e.g. 10 or RM-01; blank shows every bike.",
                scan_note="the list was not filtered",
            ),
            found,
        )

    def action_add(self) -> None:
        def given(text: str | None) -> None:
            if not text:
                return
            try:
                codes = expand_codes(text)
            except CodeListError as exc:
                self.set_status(f"{exc} No bike was added.", error=True)
                return

            def added(bikes: list[BikeView]) -> None:
                first, last = bikes[0].bike_code, bikes[-1].bike_code
                said = f"Added {first}" if len(bikes) == 1 else f"Added {len(bikes)} bikes"
                self.changed(said if len(bikes) == 1 else f"{said}: {first} … {last}")(bikes)

            self.act(
                "add_bikes", None, f"Adding {len(codes)} bikes", create_bikes, self.me, codes,
                done=added,
            )  # fmt: skip

        self.app.push_screen(
            TextDialog(
                "Add bikes",
                detail="One code or several, separated by spaces; RM-0001..RM-0010 adds ten.",
                placeholder="RM-0001 RM-0002 or RM-0001..RM-0010",
                required=True,
                scan_note="no bike was added",
            ),
            given,
        )

    def action_parts(self) -> None:
        from .parts_screen import PartsScreen

        self.app.push_screen(PartsScreen())

    def action_set_model(self) -> None:
        bike = self.highlighted()
        if bike is None:
            return

        def given(name: str | None) -> None:
            if name is None:
                return
            said = f"{bike.bike_code} is a {name}." if name else f"{bike.bike_code} has no model."
            self.act(
                "set_model", None, f"Setting {bike.bike_code}'s model", set_bike_model,
                self.me, bike.bike_code, name or None, done=self.changed(said),
            )  # fmt: skip

        self.app.push_screen(
            TextDialog(
                f"Which bike model is {bike.bike_code}?",
                detail="Intake then offers that model's parts; blank clears it.",
                placeholder="e.g. City e-bike",
                scan_note=f"{bike.bike_code}'s model was not changed",
            ),
            given,
        )

    def action_bike_history(self) -> None:
        bike = self.highlighted()
        if bike is not None:
            self.app.push_screen(BikeHistoryScreen(bike.id))

    def action_toggle_archived(self) -> None:
        bike = self.highlighted()
        if bike is None:
            return
        restore = not bike.is_active
        verb = "Restore" if restore else "Archive"
        use_case = restore_bike if restore else archive_bike

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.act(
                    "toggle_archived",
                    None,
                    f"{verb[:-1]}ing {bike.bike_code}",
                    use_case,
                    self.me,
                    bike.id,
                    done=self.changed(f"{bike.bike_code} {verb.lower()}d."),
                )

        detail = (
            "It comes back to the fleet, with its history."
            if restore
            else "It leaves the fleet; its history stays, and it can be restored."
        )
        self.app.push_screen(
            ConfirmDialog(
                f"{verb} bike {bike.bike_code}?",
                detail,
                scan_note=f"{bike.bike_code} was not changed",
            ),
            confirmed,
        )
