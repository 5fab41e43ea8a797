"""Dialogs for part-level work (issue 21): a part spec at intake (part, condition colour,
comment, minutes) and the part a parked ticket waits for (part, quantity).

Both are :class:`Dialog` s, so a scan never answers them. The catalogue is read by the
screen that opens them (in a worker) and handed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from .. import keys
from ..domain.views import PartView
from .dialogs import Dialog

COLOR_WORDS = {"g": "green", "y": "yellow", "r": "red"}


@dataclass(frozen=True)
class PartSpec:
    """A part spec as the intake form holds it before the ticket is created."""

    part_id: int
    part_name: str
    color: str
    minutes: int
    comment: str

    def as_domain(self) -> dict[str, Any]:
        return {
            "part_id": self.part_id,
            "color": self.color,
            "comment": self.comment,
            "minutes": self.minutes,
        }


@dataclass(frozen=True)
class WantedPart:
    """The part a park names: one from the catalogue, or described in words."""

    part_id: int | None
    text: str
    quantity: int


def part_label(part: PartView, several_models: bool) -> str:
    return f"{part.model_name} · {part.name}" if several_models else part.name


def _minutes(text: str) -> int | None:
    try:
        value = int(text.strip())
    except ValueError:
        return None
    return value if value > 0 else None


class PartSpecDialog(Dialog[PartSpec]):
    """Pick a part (arrows), its condition colour (g, y, r), then type its minutes and a
    comment; enter goes on from field to field and adds the part at the end."""

    BINDINGS = keys.PART_SPEC

    def __init__(self, parts: list[PartView], *, taken: set[int]) -> None:
        super().__init__(scan_note="no part was added")
        several = len({p.model_id for p in parts}) > 1
        self.parts = [p for p in parts if p.id not in taken]
        self.labels = {p.id: part_label(p, several) for p in self.parts}
        self.color = "green"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="part-spec-dialog"):
            yield Label("Add a part to fix", classes="dialog-title")
            yield OptionList(
                *(Option(self.labels[p.id], id=str(p.id)) for p in self.parts), id="part-list"
            )
            yield Static(self._color_line(), id="part-color", markup=False)
            yield Input(placeholder="minutes, e.g. 20", id="part-minutes", type="integer")
            yield Input(placeholder="comment (optional), e.g. pads worn", id="part-comment")
            yield Static(self._hint(), id="part-hint", classes="dialog-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        if self.parts:
            self.query_one("#part-list", OptionList).highlighted = 0
        else:
            self._say("Every part of the catalogue is on this ticket already (or none exists).")

    def _color_line(self) -> str:
        return f"Condition: {self.color}   (g green · y yellow · r red, in the list)"

    def _hint(self) -> str:
        return "enter = next field, then adds the part   escape = cancel"

    def _say(self, text: str) -> None:
        self.query_one("#part-hint", Static).update(text)

    def action_color(self, letter: str) -> None:
        self.color = COLOR_WORDS[letter]
        self.query_one("#part-color", Static).update(self._color_line())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#part-minutes", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "part-minutes":
            self.query_one("#part-comment", Input).focus()
            return
        self._add()

    def _add(self) -> None:
        row = self.query_one("#part-list", OptionList).highlighted
        if row is None or not self.parts:
            self._say("Pick a part in the list first.")
            self.query_one("#part-list", OptionList).focus()
            return
        minutes = _minutes(self.query_one("#part-minutes", Input).value)
        if minutes is None:
            self._say("Type the part's minutes: a whole number above 0.")
            self.query_one("#part-minutes", Input).focus()
            return
        part = self.parts[row]
        comment = self.query_one("#part-comment", Input).value.strip()
        self.dismiss(PartSpec(part.id, part.name, self.color, minutes, comment))

    def action_cancel(self) -> None:
        self.dismiss(None)


class WantedPartDialog(Dialog[WantedPart]):
    """Which part the parked bike waits for: pick it from the catalogue (or type what it
    is), and how many; enter goes on and parks. "No part named" parks without one (a
    quantity of 0); escape parks nothing."""

    BINDINGS = keys.DIALOG

    def __init__(self, title: str, parts: list[PartView], *, scan_note: str) -> None:
        super().__init__(scan_note=scan_note)
        several = len({p.model_id for p in parts}) > 1
        self.title_text = title
        self.parts = parts
        self.labels = [part_label(p, several) for p in parts]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="wanted-part-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            pairs = zip(self.parts, self.labels, strict=True)
            options = [Option(label, id=str(p.id)) for p, label in pairs]
            yield OptionList(
                *options,
                Option("Another part (type what it is)", id="other"),
                Option("No part named (park anyway)", id="none"),
            )
            yield Input(placeholder="what part (if not in the list)", id="wanted-text")
            yield Input(value="1", placeholder="how many", id="wanted-quantity", type="integer")
            yield Static(
                "enter = next, then parks   escape = cancel (not parked)",
                id="wanted-hint",
                classes="dialog-hint",
                markup=False,
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0
        self.query_one("#wanted-text", Input).display = False

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == "none":
            self.dismiss(WantedPart(None, "", 0))
            return
        if event.option.id == "other":
            field = self.query_one("#wanted-text", Input)
            field.display = True
            field.focus()
        else:
            self.query_one("#wanted-text", Input).display = False
            self.query_one("#wanted-quantity", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "wanted-text":
            self.query_one("#wanted-quantity", Input).focus()
            return
        quantity = _minutes(self.query_one("#wanted-quantity", Input).value)
        if quantity is None:
            self.query_one("#wanted-hint", Static).update("How many: a whole number above 0.")
            return
        row = self.query_one(OptionList).highlighted
        if row is not None and row < len(self.parts):
            part = self.parts[row]
            self.dismiss(WantedPart(part.id, part.name, quantity))
            return
        text = self.query_one("#wanted-text", Input).value.strip()
        if not text:
            self.query_one("#wanted-hint", Static).update("Say what part it waits for.")
            self.query_one("#wanted-text", Input).focus()
            return
        self.dismiss(WantedPart(None, text, quantity))

    def action_cancel(self) -> None:
        self.dismiss(None)
