"""Parts (super_admin, ops_manager, master; from Fleet): the parts catalogue by bike model,
which intake offers when a bike is taken in by parts. Add a model or a part, remove a
part (tickets keep its name) or bring a removed one back. The same use cases and rules
as ``shopfloor model …`` and ``shopfloor part …``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import keys
from ..domain.parts import add_bike_model, add_part, list_parts, remove_part
from ..domain.views import PartView
from ..widgets.formatting import local_time
from ..widgets.ticket_pager import Column, FittedTable
from .admin_dialogs import Field, FormDialog
from .dialogs import ConfirmDialog, TextDialog
from .people_screen import AdminScreen


def part_state(part: PartView) -> str:
    return "removed" if part.is_archived else "in use"


class PartsScreen(AdminScreen[PartView]):
    """The catalogue, model by model; the keys change the highlighted part."""

    TITLE = "Parts"
    BINDINGS = keys.PARTS

    def __init__(self) -> None:
        super().__init__()
        self.show_removed = False

    def compose_body(self) -> Iterable[Any]:
        tz = self.shop_app.tz
        yield FittedTable(
            [
                Column("Model", lambda p: p.model_name, 8, grow=1, wrap=True),
                Column("Part", lambda p: p.name, 10, grow=2, wrap=True),
                Column("State", part_state, 7),
                Column("Since", lambda p: local_time(p.created_at, tz), 12, drop=1),
            ],
            id=self.TABLE_ID,
        )

    def refresh_data(self) -> None:
        self.call(
            list_parts,
            self.me,
            include_removed=self.show_removed,
            done=self._show,
            exclusive=True,
            group="parts",
        )

    def _show(self, parts: list[PartView]) -> None:
        self.table.show(parts, [str(p.id) for p in parts])
        models = len({p.model_id for p in parts})
        shown = "with removed ones" if self.show_removed else "in use"
        summary = (
            f"{len(parts)} parts of {models} models, {shown}"
            if parts
            else "No parts yet · n adds a bike model, a adds a part to it"
        )
        said = self.take_said()
        self.set_status(f"{said} · {summary}" if said else summary)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_removed":
            return None if self.is_mounted and self.highlighted() is None else True
        return True

    def why_not(self, action: str) -> str:
        return "No part is highlighted." if action == "toggle_removed" else ""

    def on_data_table_row_highlighted(self, _event: Any) -> None:
        self.refresh_bindings()

    def action_cycle_shown(self) -> None:
        self.show_removed = not self.show_removed
        self.refresh_data()

    def action_add_model(self) -> None:
        def given(name: str | None) -> None:
            if name:
                self.act(
                    "add_model", None, f"Adding {name}", add_bike_model, self.me, name,
                    done=lambda model: self.changed(f"Added bike model {model.name}")(model),
                )  # fmt: skip

        self.app.push_screen(
            TextDialog(
                "Add a bike model",
                detail="Its parts catalogue is kept under this name.",
                placeholder="e.g. City e-bike",
                required=True,
                scan_note="no model was added",
            ),
            given,
        )

    def action_add(self) -> None:
        chosen = self.highlighted()

        def given(answers: dict[str, str] | None) -> None:
            if answers is None:
                return
            model, name = answers["model"], answers["name"]
            self.act(
                "add_part", None, f"Adding {name}", add_part, self.me, model, name,
                done=lambda part: self.changed(f"{part.name} is in {part.model_name}'s catalogue")(
                    part
                ),
            )  # fmt: skip

        def complete(answers: dict[str, str]) -> str:
            if not answers["model"]:
                return "Name the bike model (n on the list adds a new one)."
            return "" if answers["name"] else "Name the part."

        self.app.push_screen(
            FormDialog(
                "Add a part",
                [
                    Field("model", "Bike model", chosen.model_name if chosen else ""),
                    Field("name", "Part", placeholder="e.g. Rear brake pads"),
                ],
                check=complete,
                scan_note="no part was added",
            ),
            given,
        )

    def action_toggle_removed(self) -> None:
        part = self.highlighted()
        if part is None:
            return
        if part.is_archived:  # adding a removed part back restores it
            self.act(
                "toggle_removed", None, f"Restoring {part.name}", add_part, self.me,
                part.model_id, part.name, done=self.changed(f"{part.name} is back in use."),
            )  # fmt: skip
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.act(
                    "toggle_removed", None, f"Removing {part.name}", remove_part, self.me,
                    part.id, done=self.changed(f"{part.name} removed."),
                )  # fmt: skip

        self.app.push_screen(
            ConfirmDialog(
                f"Remove {part.name} of {part.model_name}?",
                "Intake no longer offers it; tickets keep its name. d brings it back.",
                scan_note=f"{part.name} was not removed",
            ),
            confirmed,
        )
