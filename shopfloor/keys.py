"""Every key binding of the terminal UI, in one place.

Screens take their ``BINDINGS`` from here so that a later keymap file can
override them by action name without touching the screens. Keys that must
work while a text field has focus use ctrl or function keys; plain letters
are for screens whose focus is a table or list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import events
from textual.binding import Binding, BindingType

# Everywhere, once logged in. Function keys never collide with typing in a field.
# They show on the header's second line (widgets/header.py), not in the footer, so
# the screen switches and log out stay visible at 80 columns whatever the screen offers.
GLOBAL: list[BindingType] = [
    Binding("f2", "go('intake')", "Intake", show=False, priority=True),
    Binding("f3", "go('assign')", "Assign", show=False, priority=True),
    Binding("f4", "go('my_work')", "My work", show=False, priority=True),
    Binding("f5", "go('qc')", "QC", show=False, priority=True),
    Binding("f6", "go('tickets')", "Tickets", show=False, priority=True),
    Binding("f7", "go('dashboard')", "Dash", show=False, priority=True),
    Binding("f8", "switch_role", "Role", show=False, priority=True),
    Binding("ctrl+o", "logout", "Log out", show=False, priority=True),
    Binding("f9", "toggle_theme", "Theme", show=False, priority=True),
    # ? lists every key of the screen (in the footer); F1 does too where ? is typed into a field.
    Binding("question_mark", "show_keys", "Keys", key_display="?"),
    Binding("f1", "show_keys", "Keys", show=False, priority=True),
    Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
]

# The GLOBAL actions the header's key line shows (ctrl+q and F1 are in the ? list).
NAV_ACTIONS: frozenset[str] = frozenset({"go", "switch_role", "logout", "toggle_theme"})
NAV_HIDDEN_KEYS: frozenset[str] = frozenset({"f1", "ctrl+q"})

LOGIN: list[BindingType] = [
    Binding("ctrl+q", "quit", "Quit", priority=True),
    Binding("f9", "app.toggle_theme", "Theme", priority=True),
]

LOCK: list[BindingType] = [
    Binding("ctrl+o", "switch_user", "Switch user", priority=True),
]

# Lists of tickets (all tickets, my work, QC queue, assign board).
PAGING: list[BindingType] = [
    Binding("pagedown,right_square_bracket", "page(1)", "Next page", show=False),
    Binding("pageup,left_square_bracket", "page(-1)", "Prev page", show=False),
]

TICKET_LIST: list[BindingType] = [
    Binding("enter", "open_ticket", "Open"),
    Binding("s", "cycle_status", "Status filter"),
    Binding("right_square_bracket", "page(1)", "Page →"),
    Binding("left_square_bracket", "page(-1)", "Page ←"),
    Binding("pagedown", "page(1)", "Next page", show=False),
    Binding("pageup", "page(-1)", "Prev page", show=False),
]

# The ticket tables' own row keys: Home/End go to the first/last row, never sideways.
TICKET_TABLE: list[BindingType] = [
    Binding("home", "scroll_top", "First row", show=False),
    Binding("end", "scroll_bottom", "Last row", show=False),
]

TICKET_DETAIL: list[BindingType] = [
    Binding("escape", "close", "Back"),
]

# The footer shows the everyday ones; ? lists them all.
INTAKE: list[BindingType] = [
    Binding("ctrl+s", "submit", "Create", priority=True),
    Binding("ctrl+r", "restore_bike", "Restore", priority=True),
    Binding("ctrl+t", "reset_checklist", "Template", priority=True),
    Binding("ctrl+g", "save_template", "Save as template", show=False, priority=True),
    Binding("ctrl+n", "clear_form", "Clear form", show=False, priority=True),
    # ? types into the fields here, so the list of keys is on F1.
    Binding("f1", "app.show_keys", "Keys", priority=True),
]

SUGGESTIONS: list[BindingType] = [
    Binding("down", "focus_suggestions", "Suggestions", show=False),
]

CHECKLIST_EDITOR: list[BindingType] = [
    Binding("a", "add_item", "Add"),
    Binding("e,enter", "edit_item", "Edit"),
    Binding("d,delete", "remove_item", "Remove"),
    Binding("K,shift+up", "move_item(-1)", "Up"),
    Binding("J,shift+down", "move_item(1)", "Down"),
    Binding("home", "jump(0)", "First", show=False),
    Binding("end", "jump(-1)", "Last", show=False),
]

ASSIGN: list[BindingType] = [
    Binding("a", "assign_highlighted", "Assign to →"),
    Binding("1", "assign_number(1)", "Assign to N", key_display="1-9"),
    *(Binding(str(n), f"assign_number({n})", f"Assign to {n}", show=False) for n in range(2, 10)),
    Binding("tab", "switch_side", "Switch list", show=False),
    Binding("v", "toggle_reassign", "Show assigned"),
    Binding("enter", "open_ticket", "Open", show=False),
    Binding("right_square_bracket", "page(1)", "Page →", show=False),
    Binding("left_square_bracket", "page(-1)", "Page ←", show=False),
]

TECHNICIAN: list[BindingType] = [
    Binding("s", "start", "Start"),
    Binding("p", "pause_resume", "Pause/Resume"),
    Binding("x", "stop", "Stop"),
    Binding("w", "park", "Park (parts)"),
    Binding("q", "send_to_qc", "To QC"),
    Binding("enter", "open_ticket", "Open"),
    Binding("right_square_bracket", "page(1)", "Page →", show=False),
    Binding("left_square_bracket", "page(-1)", "Page ←", show=False),
]

QC: list[BindingType] = [
    Binding("p", "pass_ticket", "Pass"),
    Binding("f", "fail_ticket", "Fail"),
    Binding("enter", "open_ticket", "Open"),
    Binding("right_square_bracket", "page(1)", "Page →", show=False),
    Binding("left_square_bracket", "page(-1)", "Page ←", show=False),
]

DASHBOARD: list[BindingType] = [
    Binding("d", "cycle_days", "Days"),
]

DIALOG: list[BindingType] = [
    Binding("escape", "cancel", "Cancel"),
]

# A numbered list: one digit picks (pause reasons).
PICK_NUMBER: list[BindingType] = [
    *(Binding(str(n), f"pick({n})", str(n), show=False) for n in range(1, 10)),
    Binding("escape", "cancel", "Cancel"),
]

KEYS_DIALOG: list[BindingType] = [
    *DIALOG,
    Binding("question_mark,f1", "cancel", "Close", show=False),
]

CONFIRM: list[BindingType] = [
    Binding("y,enter", "confirm", "Yes"),
    Binding("n,escape", "cancel", "No"),
]

# Leaving with your own timer running (ctrl+q, ctrl+o): what to do with it.
TIMER_GUARD: list[BindingType] = [
    Binding("p", "choose('pause')", "Pause it"),
    Binding("l", "choose('leave')", "Leave running"),
    Binding("c,escape", "choose('cancel')", "Cancel"),
]


@dataclass
class ScanDetector:
    """Tells a barcode scanner (keyboard mode) from a person typing.

    A scan is a burst: keys starting with ``prefix`` (``RM-``), each within
    ``max_gap`` seconds of the one before, ending in enter. While keys could still be
    such a burst they are held back (so a scanned ``1`` never assigns a ticket);
    once they cannot be, they are handed back in order as ordinary typing.
    Timestamps come from the caller, so tests drive the clock.
    """

    prefix: str
    max_gap: float
    max_length: int = 40
    held: list[tuple[events.Key, float]] = field(default_factory=list)

    @property
    def holding(self) -> bool:
        return bool(self.held)

    def take(self) -> list[events.Key]:
        """Give back every held key, as typing."""
        keys = [key for key, _ in self.held]
        self.held.clear()
        return keys

    def expire(self, now: float) -> list[events.Key]:
        """The held keys if the burst went quiet for longer than ``max_gap``, else none."""
        if self.held and now - self.held[-1][1] > self.max_gap:
            return self.take()
        return []

    def feed(self, key: events.Key, at: float) -> tuple[list[events.Key], str | None]:
        """Keys to handle now as typing, and the scanned code when ``key`` ends a scan."""
        typed = self.expire(at)
        text = "".join(k.character or "" for k, _ in self.held)
        if not self.held:
            if self.prefix and key.character == self.prefix[0]:
                self.held.append((key, at))
                return typed, None
            return [*typed, key], None
        if key.key == "enter":
            if text.startswith(self.prefix) and len(text) > len(self.prefix):
                self.held.clear()
                return typed, text
            return [*typed, *self.take(), key], None
        char = key.character or ""
        grown = text + char
        could_be_code = grown.startswith(self.prefix) or self.prefix.startswith(grown)
        if (
            len(char) == 1
            and char.isprintable()
            and not char.isspace()
            and could_be_code
            and len(grown) <= self.max_length
        ):
            self.held.append((key, at))
            return typed, None
        return [*typed, *self.take(), key], None
