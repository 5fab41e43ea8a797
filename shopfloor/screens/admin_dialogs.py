"""The admin screens' dialogs: a small form of fields, and a pick of several roles.

Both are :class:`.dialogs.Dialog`\\ s, so a scanned bike code never answers one: the app
closes it unanswered (``None``) and says what was not done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, Label, SelectionList, Static

from .. import keys
from .dialogs import Dialog


@dataclass(frozen=True)
class Field:
    """One line of a :class:`FormDialog`."""

    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    password: bool = False


class FormDialog(Dialog[dict[str, str]]):
    """A few fields, one under the other: enter goes to the next, and on the last one
    answers (the fields by name, trimmed, passwords as typed); escape cancels.
    ``check`` says what is wrong with the answers (shown, the dialog stays), or ``""``."""

    BINDINGS = keys.FORM_DIALOG

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        *,
        detail: str = "",
        check: Callable[[dict[str, str]], str] | None = None,
        scan_note: str = "",
    ) -> None:
        super().__init__(scan_note=scan_note)
        self.title_text = title
        self.fields = list(fields)
        self.detail = detail
        self.check = check

    def compose(self) -> ComposeResult:
        dense = " -dense" if len(self.fields) > 5 else ""  # one line a field, no gaps
        with Vertical(classes=f"dialog form-dialog{dense}"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            if self.detail:
                yield Static(self.detail, classes="dialog-detail", markup=False)
            for f in self.fields:
                with Horizontal(classes="form-row"):
                    yield Label(f.label, classes="form-label", markup=False)
                    yield Input(
                        f.value,
                        placeholder=f.placeholder,
                        password=f.password,
                        id=f"form-{f.name}",
                        compact=True,  # one line a field: a form of five fits 80x24
                    )
            yield Static(
                "enter = next / save   escape = cancel", classes="dialog-hint", markup=False
            )
        yield Footer()

    def answers(self) -> dict[str, str]:
        out = {}
        for f in self.fields:
            value = self.query_one(f"#form-{f.name}", Input).value
            out[f.name] = value if f.password else value.strip()
        return out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        names = [f"form-{f.name}" for f in self.fields]
        at = names.index(event.input.id or "")
        if at + 1 < len(names):
            self.query_one(f"#{names[at + 1]}", Input).focus()
            return
        answers = self.answers()
        problem = self.check(answers) if self.check is not None else ""
        if problem:
            self.query_one(".dialog-hint", Static).update(problem)
            return
        self.dismiss(answers)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickManyDialog(Dialog[list[str]]):
    """Tick any of a few options: space ticks the highlighted one, enter answers the
    ticked ones (in the options' order), escape cancels."""

    BINDINGS = keys.PICK_MANY

    def __init__(
        self,
        question: str,
        options: Sequence[tuple[str, str]],
        chosen: Sequence[str] = (),
        *,
        scan_note: str = "",
    ) -> None:
        super().__init__(scan_note=scan_note)
        self.question = question
        self.options = list(options)
        self.chosen = set(chosen)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title", markup=False)
            yield SelectionList[str](
                *((label, value, value in self.chosen) for label, value in self.options),
                id="pick-many",
            )
            yield Static(
                "space = tick/untick   enter = save   escape = cancel",
                classes="dialog-hint",
                markup=False,
            )
        yield Footer()

    def action_confirm(self) -> None:
        picked = set(self.query_one("#pick-many", SelectionList).selected)
        self.dismiss([value for _label, value in self.options if value in picked])

    def action_cancel(self) -> None:
        self.dismiss(None)


class InfoDialog(Dialog[None]):
    """Lines to read, newest first (a person's log); escape or enter closes."""

    BINDINGS = keys.INFO_DIALOG

    def __init__(self, title: str, lines: Sequence[str], *, scan_note: str = "") -> None:
        super().__init__(scan_note=scan_note)
        self.title_text = title
        self.lines = list(lines)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(classes="info-lines"):
                yield Static("\n".join(self.lines) or "Nothing yet.", markup=False)
        yield Footer()

    def action_cancel(self) -> None:
        self.dismiss(None)
