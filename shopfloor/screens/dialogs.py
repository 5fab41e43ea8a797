"""Small modal dialogs: pick one of a few, confirm, or type a note or reason.

A scan is never an answer: when a bike code is scanned while a dialog is open, the app
closes the dialog with nothing chosen (``None``) and tells the person what was not done
(:attr:`Dialog.scan_note`), then opens the scanned bike (see ``ShopfloorApp.scan``).
"""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from .. import keys
from ..keymap import hint_for

T = TypeVar("T")


class Dialog(ModalScreen[T | None]):
    """A question over a screen; ``None`` is "nothing chosen" (escape, or a scan)."""

    def __init__(self, *, scan_note: str = "") -> None:
        super().__init__()
        # What closing the dialog unanswered leaves undone, as the status line says it
        # after a scan: "the pause was not made".
        self.scan_note = scan_note

    def keys_hint(self, binding_id: str, default: str) -> str:
        """The keys of ``binding_id`` for a hint line: ``default`` unless config.toml moved
        them (ShopfloorApp.keys_hint)."""
        return hint_for(self.app, binding_id, default)

    def close_unanswered(self) -> None:
        """Close with nothing chosen (a scan came): the caller's callback gets ``None``."""
        self.dismiss(None)


class ChoiceDialog(Dialog[str]):
    """Pick one option with the arrows and enter; escape cancels."""

    BINDINGS = keys.DIALOG

    def __init__(
        self, question: str, options: list[tuple[str, str]], *, scan_note: str = ""
    ) -> None:
        super().__init__(scan_note=scan_note)
        self.question = question
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title", markup=False)
            yield OptionList(*(Option(label, id=value) for label, value in self.options))
        yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(Dialog[bool]):
    """A yes/no question: y confirms (True), n or escape declines (False)."""

    BINDINGS = keys.CONFIRM

    def __init__(self, question: str, detail: str = "", *, scan_note: str = "") -> None:
        super().__init__(scan_note=scan_note)
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title", markup=False)
            if self.detail:
                yield Static(self.detail, classes="dialog-detail", markup=False)
            yes = self.keys_hint("confirm.yes", "y or enter")
            no = self.keys_hint("confirm.no", "n or escape")
            yield Static(f"{yes} = yes   {no} = no", classes="dialog-hint", markup=False)
        yield Footer()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class TextDialog(Dialog[str]):
    """Ask for a line of text; enter confirms, escape cancels. ``required`` refuses blank."""

    BINDINGS = keys.DIALOG

    def __init__(
        self,
        question: str,
        *,
        detail: str = "",
        placeholder: str = "",
        required: bool = False,
        scan_note: str = "",
    ) -> None:
        super().__init__(scan_note=scan_note)
        self.question = question
        self.detail = detail
        self.placeholder = placeholder
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title", markup=False)
            if self.detail:
                yield Static(self.detail, classes="dialog-detail", markup=False)
            yield Input(placeholder=self.placeholder, id="dialog-input")
            yield Static("enter = confirm   escape = cancel", classes="dialog-hint")
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self.required and not text:
            hint = self.query_one(".dialog-hint", Static)
            hint.update("This cannot be blank; type it or escape.")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TimerGuardDialog(Dialog[str]):
    """Leaving with your own timer running: pause it, stop it, leave it running, or stay."""

    BINDINGS = keys.TIMER_GUARD

    def __init__(self, ticket_id: int, verb: str) -> None:
        super().__init__(scan_note=f"you did not {verb} and your timer on #{ticket_id} runs on")
        self.ticket_id = ticket_id
        self.verb = verb

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                f"Your timer on #{self.ticket_id} is running.",
                classes="dialog-title",
                markup=False,
            )
            pause = self.keys_hint("guard.pause", "p")
            stop = self.keys_hint("guard.stop", "s")
            leave = self.keys_hint("guard.leave", "l")
            cancel = self.keys_hint("guard.cancel", "c")
            yield Static(
                f"{pause} = pause it and {self.verb} (time away, never counted)   "
                f"{stop} = stop it and {self.verb}   {leave} = leave it running and "
                f"{self.verb}   {cancel} = cancel",
                classes="dialog-hint",
                markup=False,
            )
        yield Footer()

    def action_choose(self, choice: str) -> None:
        self.dismiss(None if choice == "cancel" else choice)
