"""Every key binding of the terminal UI, in one place.

Screens take their ``BINDINGS`` from here so that a later keymap file can
override them by action name without touching the screens. Keys that must
work while a text field has focus use ctrl or function keys; plain letters
are for screens whose focus is a table or list.
"""

from __future__ import annotations

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

KEYS_DIALOG: list[BindingType] = [
    *DIALOG,
    Binding("question_mark,f1", "cancel", "Close", show=False),
]

CONFIRM: list[BindingType] = [
    Binding("y", "confirm", "Yes"),
    Binding("n,escape", "cancel", "No"),
]
