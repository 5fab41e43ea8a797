"""Checklists: a read-only numbered view, and the intake editor (add, edit, remove, reorder)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, ListItem, ListView, Static

from .. import keys
from ..domain import checklist_task


def numbered(items: Iterable[Any]) -> str:
    """Checklist items as ``1. task`` lines."""
    lines = [f"{n:>2}. {checklist_task(item)}" for n, item in enumerate(items, start=1)]
    return "\n".join(lines) or "(no checklist)"


class ChecklistView(Static):
    """The ticket's checklist, numbered (shown as typed: no markup)."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, id=id, markup=False)

    def show(self, items: Sequence[Any]) -> None:
        self.update(numbered(items))

    def show_ticket(self, ticket: Any) -> None:
        """The ticket's checklist with its ticks (nothing highlighted: empty)."""
        self.update(ticket_checklist(ticket) if ticket is not None else numbered(()))


class ChecklistEditor(Vertical):
    """Edit a list of tasks from the keyboard: a to add, e/enter to edit, d to remove,
    shift+up/down (or K/J) to move. The line editor below confirms with enter."""

    BINDINGS = keys.CHECKLIST_EDITOR

    class Changed(Message):
        def __init__(self, editor: ChecklistEditor) -> None:
            super().__init__()
            self.editor = editor

    def __init__(self, items: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id, classes="checklist-editor")
        self.items: list[str] = list(items)
        self._editing: int | None = None  # index being edited; len(items) means a new item

    def compose(self) -> ComposeResult:
        yield ListView(id="checklist-items")
        # No select-on-focus: editing keeps the task's text, and the first key typed
        # adds to it instead of replacing it.
        yield Input(
            placeholder="task text; enter to save, escape to cancel",
            id="checklist-line",
            compact=True,
            select_on_focus=False,
        )

    async def on_mount(self) -> None:
        self.query_one("#checklist-line", Input).display = False
        await self._render_items(0)

    async def set_items(self, items: Sequence[str]) -> None:
        """Replace every task (e.g. with the default template)."""
        self.items = list(items)
        await self._render_items(0)
        self.post_message(self.Changed(self))

    @property
    def _list(self) -> ListView:
        return self.query_one("#checklist-items", ListView)

    async def _render_items(self, index: int | None) -> None:
        view = self._list
        await view.clear()
        await view.extend(
            ListItem(Static(f"{n:>2}. {task}", markup=False))
            for n, task in enumerate(self.items, start=1)
        )
        if self.items and index is not None:
            view.index = max(0, min(index, len(self.items) - 1))

    def _current(self) -> int | None:
        index = self._list.index
        return index if index is not None and 0 <= index < len(self.items) else None

    def action_jump(self, index: int) -> None:
        if self.items:
            self._list.index = index % len(self.items)

    async def action_add_item(self) -> None:
        self._open_line(len(self.items), "")

    async def action_edit_item(self) -> None:
        index = self._current()
        if index is not None:
            self._open_line(index, self.items[index])

    async def action_remove_item(self) -> None:
        index = self._current()
        if index is None:
            return
        del self.items[index]
        await self._render_items(index)
        self.post_message(self.Changed(self))

    async def action_move_item(self, delta: int) -> None:
        index = self._current()
        if index is None:
            return
        target = index + delta
        if not 0 <= target < len(self.items):
            return
        self.items[index], self.items[target] = self.items[target], self.items[index]
        await self._render_items(target)
        self.post_message(self.Changed(self))

    async def on_list_view_selected(self, event: ListView.Selected) -> None:
        # Enter on a task edits it (the list takes enter before the editor's own binding).
        event.stop()
        await self.action_edit_item()

    def _open_line(self, index: int, text: str) -> None:
        self._editing = index
        line = self.query_one("#checklist-line", Input)
        line.value = text
        line.cursor_position = len(text)  # carry on typing at the end of the task
        line.display = True
        line.focus()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self._close_line(event.value.strip())

    async def on_key(self, event: Any) -> None:
        line = self.query_one("#checklist-line", Input)
        if event.key == "escape" and line.has_focus:
            event.stop()
            event.prevent_default()
            await self._close_line(None)

    async def _close_line(self, text: str | None) -> None:
        line = self.query_one("#checklist-line", Input)
        index = self._editing
        self._editing = None
        line.display = False
        if text and index is not None:
            if index >= len(self.items):
                self.items.append(text)
            else:
                self.items[index] = text
            self.post_message(self.Changed(self))
        await self._render_items(index if index is not None else 0)
        self._list.focus()


def task_line(task: dict[str, Any]) -> str:
    """One task of a ticket's ``checklist_state``: its mark, number, text and who ticked it.
    ``[x]`` ticked, ``[ ]`` not yet, ``[!]`` named by the last QC fail (to fix)."""
    mark = "[x]" if task["done"] else "[!]" if task["failed"] else "[ ]"
    critical = " (critical)" if task["critical"] else ""
    by = f" — {task['done_by_name']}" if task["done"] and task.get("done_by_name") else ""
    return f"{mark} {task['index'] + 1:>2}. {task['task']}{critical}{by}"


def failed_first(state: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tasks the last QC fail named (still to fix) on top, then the rest in order."""
    failed = [t for t in state if t["failed"] and not t["done"]]
    return failed + [t for t in state if t not in failed]


def tasks_to_fix(ticket: Any) -> list[dict[str, Any]]:
    """The tasks the last QC fail named that are not ticked again yet."""
    return [t for t in getattr(ticket, "checklist_state", ()) if t["failed"] and not t["done"]]


def ticket_checklist(ticket: Any) -> str:
    """A ticket's checklist with its ticks (who ticked each) and QC's failed tasks on top."""
    state = getattr(ticket, "checklist_state", ())
    if not state:
        return numbered(getattr(ticket, "checklist_snapshot", ()))
    tasks = failed_first(state)
    done = sum(1 for t in state if t["done"])
    lines = [f"{done} of {len(state)} ticked"]
    failed = [t for t in tasks if t["failed"] and not t["done"]]
    if failed:
        lines.append(f"QC failed {len(failed)}, fix first:")
    lines += [task_line(t) for t in tasks]
    return "\n".join(lines)
