"""Every key of the screen underneath, in one list (? or F1): what the footer has no room for."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from .. import keys
from .dialogs import Dialog


def all_keys(screen: Screen[object]) -> list[tuple[str, str]]:
    """(keys, what they do) for every binding of the screen, one row per action.

    Keys that do nothing right now (create before the form is complete) are listed too:
    this is where people learn the keys.
    """
    app = screen.app
    rows: dict[tuple[int, str], tuple[list[str], str]] = {}
    for active in screen.active_bindings.values():
        binding: Binding = active.binding
        if not binding.description or not _ours(active.node, binding):
            continue
        place = (id(active.node), binding.action)
        shown, _ = rows.setdefault(place, ([], binding.description))
        display = app.get_key_display(binding)
        if display not in shown:
            shown.append(display)
    return [(" / ".join(k), what) for k, what in rows.values()]


def _ours(node: object, binding: Binding) -> bool:
    """A key from shopfloor's keymap, not one of a text field's or table's own editing keys."""
    own = type(node).__dict__.get("BINDINGS", [])
    return type(node).__module__.startswith("shopfloor") and any(
        isinstance(b, Binding)
        and (b.action, b.description) == (binding.action, binding.description)
        for b in own
    )


class KeysDialog(Dialog[None]):
    """A list of keys; escape (or ? again) closes it."""

    BINDINGS = keys.KEYS_DIALOG

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        width = max((len(k) for k, _ in self.rows), default=0)
        lines = "\n".join(f"{k:>{width}}  {what}" for k, what in self.rows)
        with Vertical(classes="dialog", id="keys-dialog"):
            yield Label("Keys on this screen", classes="dialog-title")
            with VerticalScroll(id="keys-list"):
                yield Static(lines, markup=False)
        yield Footer()

    def action_cancel(self) -> None:
        self.dismiss(None)
