"""A ticket's checklist as a list with a cursor: tick tasks off, or pick the ones QC failed.

Two uses, one dialog (a :class:`Dialog`, so a scan never answers it):

- **tick** (My work, the ticket detail): space ticks the task under the cursor, or
  un-ticks it if it was ticked (a mistake). Each press is one append-only tick event,
  made at once through the domain in a worker; the line then shows who ticked it.
  Enter or escape closes the list.
- **pick** (QC fail): space marks the task as failed (or unmarks it); enter hands the
  marked tasks back (maybe none: then the fail needs a note), escape cancels.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from .. import keys
from ..domain import DomainError, TicketView, tick_task, ticks
from ..widgets.checklist import failed_first, task_line
from .base import ServiceCalls
from .dialogs import Dialog


def may_tick(ticket: TicketView | None, me: int) -> bool:
    """Whether ``me`` ticks this ticket's tasks now (the domain's rule, for the key)."""
    return ticket is not None and ticks.may_tick(ticket.status, ticket.technician, me)


class TasksDialog(ServiceCalls, Dialog[list[int]]):
    """The ticket's tasks, one per line, in the order shown when it opened (QC's failed
    tasks on top). Dismissed with the picked task indexes (pick), the ticked ones (tick),
    or ``None`` (escape in pick; a scan)."""

    BINDINGS = keys.TASKS

    def __init__(self, ticket: TicketView, actor_id: int, *, pick: bool = False) -> None:
        what = f"#{ticket.id} was not failed" if pick else "the task list closed"
        super().__init__(scan_note=what)
        self.ticket = ticket
        self.actor_id = actor_id
        self.pick = pick
        self.state: dict[int, dict[str, Any]] = {t["index"]: t for t in ticket.checklist_state}
        self.order = [t["index"] for t in failed_first(ticket.checklist_state)]
        self.picked: set[int] = set()
        self.busy: int | None = None  # the task whose tick is being saved

    def compose(self) -> ComposeResult:
        t = self.ticket
        title = (
            f"Fail QC on #{t.id} {t.bike_code}: which tasks failed?"
            if self.pick
            else f"Tasks of #{t.id} {t.bike_code}"
        )
        with Vertical(classes="dialog", id="tasks-dialog"):
            yield Label(title, classes="dialog-title", markup=False)
            yield OptionList(*(Option(self._prompt(i), id=str(i)) for i in self.order))
            yield Static(self._hint(), id="tasks-hint", classes="dialog-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0 if self.order else None

    def _prompt(self, index: int) -> Content:
        line = task_line(self.state[index])
        if self.pick:
            line = ("FAIL " if index in self.picked else "     ") + line
        return Content(line)

    def _hint(self) -> str:
        space = self.keys_hint("tasks.toggle", "space")
        if self.pick:
            done = self.keys_hint("tasks.done", "enter")
            return f"{space} = failed / not   {done} = next (a note)   escape = cancel"
        return f"{space} = tick / un-tick   enter or escape = close"

    def _say(self, text: str) -> None:
        self.query_one("#tasks-hint", Static).update(text)

    @property
    def current(self) -> int | None:
        row = self.query_one(OptionList).highlighted
        return self.order[row] if row is not None and 0 <= row < len(self.order) else None

    def action_toggle_task(self) -> None:
        index = self.current
        if index is None:
            return
        if self.pick:
            self.picked ^= {index}
            self._redraw(index)
            return
        if self.busy is not None:
            self._say(f"Still saving task {self.busy + 1}; that press was ignored.")
            return
        self.busy = index
        ticked = not self.state[index]["done"]
        self._say(f"{'Ticking' if ticked else 'Un-ticking'} task {index + 1}…")
        self.call(
            tick_task,
            self.actor_id,
            self.ticket.id,
            index,
            ticked,
            done=self._saved,
            failed=self._refused,
        )

    def _saved(self, ticket: TicketView) -> None:
        index, self.busy = self.busy, None
        self.ticket = ticket
        self.state = {t["index"]: t for t in ticket.checklist_state}
        for i in self.order:
            self._redraw(i)
        if index is not None:
            done = self.state[index]["done"]
            self._say(f"Task {index + 1} {'ticked' if done else 'un-ticked'}. " + self._hint())

    def _refused(self, exc: DomainError) -> None:
        self.busy = None
        self._say(exc.message)

    def _redraw(self, index: int) -> None:
        self.query_one(OptionList).replace_option_prompt(str(index), self._prompt(index))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_done()

    def action_done(self) -> None:
        if self.pick:
            self.dismiss(sorted(self.picked))
        else:
            self.dismiss([i for i, t in self.state.items() if t["done"]])

    def action_cancel(self) -> None:
        self.dismiss(None if self.pick else [i for i, t in self.state.items() if t["done"]])
