"""Every key binding of the terminal UI, in one place.

Screens take their ``BINDINGS`` from here. Every binding has an id, ``screen.action``
(``work.pause``, ``app.quit``; one id for the same job on several screens), by which a
shop's keymap file moves it (``[keys]`` in config.toml, see :mod:`shopfloor.keymap`).
A new screen names its ids the same way and adds its lists to :data:`PLACES`. Keys that
must work while a text field has focus (``priority=True``) use ctrl or function keys;
plain letters are for screens whose focus is a table or list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import events
from textual.binding import Binding, BindingType

# Everywhere, once logged in. Function keys never collide with typing in a field.
# They show on the header's second line (widgets/header.py), not in the footer, so
# the screen switches and log out stay visible at 80 columns whatever the screen offers.
GLOBAL: list[BindingType] = [
    Binding("f2", "go('intake')", "Intake", show=False, priority=True, id="app.intake"),
    Binding("f3", "go('assign')", "Assign", show=False, priority=True, id="app.assign"),
    Binding("f4", "go('my_work')", "My work", show=False, priority=True, id="app.my_work"),
    Binding("f5", "go('qc')", "QC", show=False, priority=True, id="app.qc"),
    Binding("f6", "go('tickets')", "Tickets", show=False, priority=True, id="app.tickets"),
    Binding("f7", "go('dashboard')", "Dash", show=False, priority=True, id="app.dashboard"),
    Binding("f8", "switch_role", "Role", show=False, priority=True, id="app.switch_role"),
    Binding("ctrl+o", "logout", "Log out", show=False, priority=True, id="app.logout"),
    Binding("f9", "toggle_theme", "Theme", show=False, priority=True, id="app.theme"),
    # ? lists every key of the screen (in the footer); F1 does too where ? is typed into a field.
    Binding("question_mark", "show_keys", "Keys", key_display="?", id="app.keys"),
    Binding("f1", "show_keys", "Keys", show=False, priority=True, id="app.keys_f1"),
    Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
]

# The GLOBAL actions the header's key line shows (ctrl+q and F1 are in the ? list).
NAV_ACTIONS: frozenset[str] = frozenset({"go", "switch_role", "logout", "toggle_theme"})
NAV_HIDDEN_KEYS: frozenset[str] = frozenset({"f1", "ctrl+q"})

# The same job on several screens has one id (quit, the theme, back from a PIN, a list's
# pages), so one line of a keymap file moves it everywhere.
LOGIN: list[BindingType] = [
    Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
    Binding("f9", "app.toggle_theme", "Theme", priority=True, id="app.theme"),
    # After a badge scan, back to the username and password (the badge's text comes back).
    Binding("escape", "leave_pin", "Back", priority=True, id="login.back"),
]

LOCK: list[BindingType] = [
    Binding("ctrl+o", "switch_user", "Switch user", priority=True, id="app.logout"),
    Binding("escape", "leave_pin", "Back", priority=True, id="login.back"),
]

FIRST_RUN: list[BindingType] = [
    Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
    Binding("f9", "app.toggle_theme", "Theme", priority=True, id="app.theme"),
]

TICKET_LIST: list[BindingType] = [
    Binding("enter", "open_ticket", "Open", id="list.open"),
    Binding("s", "cycle_status", "Status filter", id="tickets.status"),
    Binding("right_square_bracket", "page(1)", "Page →", id="list.next_page"),
    Binding("left_square_bracket", "page(-1)", "Page ←", id="list.prev_page"),
    Binding("pagedown", "page(1)", "Next page", show=False, id="list.page_down"),
    Binding("pageup", "page(-1)", "Prev page", show=False, id="list.page_up"),
]

# The ticket tables' own row keys: Home/End go to the first/last row, never sideways.
TICKET_TABLE: list[BindingType] = [
    Binding("home", "scroll_top", "First row", show=False, id="table.first_row"),
    Binding("end", "scroll_bottom", "Last row", show=False, id="table.last_row"),
]

TICKET_DETAIL: list[BindingType] = [
    Binding("escape", "close", "Back", id="detail.back"),
    Binding("t", "tasks", "Tasks", id="tasks.open"),
]

# The footer shows the everyday ones; ? lists them all.
INTAKE: list[BindingType] = [
    Binding("ctrl+s", "submit", "Create", priority=True, id="intake.create"),
    Binding("ctrl+r", "restore_bike", "Restore", priority=True, id="intake.restore"),
    Binding("ctrl+t", "reset_checklist", "Template", priority=True, id="intake.template"),
    Binding(
        "ctrl+g",
        "save_template",
        "Save as template",
        show=False,
        priority=True,
        id="intake.save_template",
    ),
    Binding("ctrl+n", "clear_form", "Clear form", show=False, priority=True, id="intake.clear"),
    # Intake by parts (issue 21): add a part spec, or remove one.
    Binding("ctrl+p", "parts", "Parts", show=False, priority=True, id="intake.parts"),
    # ? types into the fields here, so the list of keys is on F1.
    Binding("f1", "app.show_keys", "Keys", priority=True, id="app.keys_f1"),
]

SUGGESTIONS: list[BindingType] = [
    Binding("down", "focus_suggestions", "Suggestions", show=False, id="intake.suggestions"),
]

CHECKLIST_EDITOR: list[BindingType] = [
    Binding("a", "add_item", "Add", id="checklist.add"),
    Binding("e,enter", "edit_item", "Edit", id="checklist.edit"),
    Binding("d,delete", "remove_item", "Remove", id="checklist.remove"),
    Binding("K,shift+up", "move_item(-1)", "Up", id="checklist.up"),
    Binding("J,shift+down", "move_item(1)", "Down", id="checklist.down"),
    Binding("home", "jump(0)", "First", show=False, id="checklist.first"),
    Binding("end", "jump(-1)", "Last", show=False, id="checklist.last"),
]

ASSIGN: list[BindingType] = [
    Binding("a", "assign_highlighted", "Assign to →", id="assign.to_highlighted"),
    Binding("1", "assign_number(1)", "Assign to N", key_display="1-9", id="assign.to_1"),
    *(
        Binding(str(n), f"assign_number({n})", f"Assign to {n}", show=False, id=f"assign.to_{n}")
        for n in range(2, 10)
    ),
    Binding("tab", "switch_side", "Switch list", show=False, id="assign.switch_list"),
    Binding("v", "toggle_reassign", "Show assigned", id="assign.show_assigned"),
    Binding("enter", "open_ticket", "Open", show=False, id="list.open"),
    Binding("right_square_bracket", "page(1)", "Page →", show=False, id="list.next_page"),
    Binding("left_square_bracket", "page(-1)", "Page ←", show=False, id="list.prev_page"),
    # Any other letter starts "find a bike by code" (a code starts with RM-): so the
    # digits of a code typed by hand go into the search, never to "assign to N".
    Binding("escape", "close_find", "Close the search", show=False, id="assign.close_find"),
    Binding("down", "find_suggestions", "Closest codes", show=False, id="assign.closest_codes"),
    # Capitals: a bike code typed into the search starts with the scan prefix (RM-).
    Binding("W", "parts_waiting", "Parts waiting", show=False, id="parts.open"),
    Binding("U", "review_queue", "Review queue", show=False, id="review.open"),
]

TECHNICIAN: list[BindingType] = [
    Binding("s", "start", "Start", id="work.start"),
    Binding("p", "pause_resume", "Pause/Resume", id="work.pause"),
    Binding("x", "stop", "Stop", id="work.stop"),
    Binding("w", "park", "Park (parts)", id="work.park"),
    Binding("q", "send_to_qc", "To QC", id="work.to_qc"),
    Binding("t", "tasks", "Tasks", id="tasks.open"),
    Binding("enter", "open_ticket", "Open", id="list.open"),
    Binding("right_square_bracket", "page(1)", "Page →", show=False, id="list.next_page"),
    Binding("left_square_bracket", "page(-1)", "Page ←", show=False, id="list.prev_page"),
]

QC: list[BindingType] = [
    Binding("p", "pass_ticket", "Pass", id="qc.pass"),
    Binding("f", "fail_ticket", "Fail", id="qc.fail"),
    Binding("enter", "open_ticket", "Open", id="list.open"),
    Binding("right_square_bracket", "page(1)", "Page →", show=False, id="list.next_page"),
    Binding("left_square_bracket", "page(-1)", "Page ←", show=False, id="list.prev_page"),
]

DASHBOARD: list[BindingType] = [
    Binding("d", "cycle_days", "Days", id="dashboard.days"),
    Binding("W", "parts_waiting", "Waiting", id="parts.open"),
    Binding("U", "review_queue", "Review", id="review.open"),
]

# The review before assignment (issue 21, the shop's review_required rule).
REVIEW: list[BindingType] = [
    Binding("a", "approve", "Approve", id="review.approve"),
    Binding("e", "edit_parts", "Edit parts", id="review.edit"),
    Binding("enter", "open_ticket", "Open", id="list.open"),
    Binding("escape", "close", "Back", id="detail.back"),
    Binding("right_square_bracket", "page(1)", "Page →", show=False, id="list.next_page"),
    Binding("left_square_bracket", "page(-1)", "Page ←", show=False, id="list.prev_page"),
]

# What to order (issue 21): the parts parked bikes wait for.
PARTS_WAITING: list[BindingType] = [
    Binding("a", "arrived", "Arrived", id="parts.arrived"),
    Binding("escape", "close", "Back", id="detail.back"),
]

DIALOG: list[BindingType] = [
    Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
]

# A numbered list: one digit picks (pause reasons).
PICK_NUMBER: list[BindingType] = [
    *(Binding(str(n), f"pick({n})", str(n), show=False, id=f"pick.{n}") for n in range(1, 10)),
    Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
]

# A ticket's tasks with a cursor (issue 21): tick / un-tick, or pick QC's failed ones.
TASKS: list[BindingType] = [
    Binding("space", "toggle_task", "Tick / pick", id="tasks.toggle"),
    Binding("enter", "done", "Done", id="tasks.done"),
    Binding("escape", "cancel", "Close", id="dialog.cancel"),
]

# A part spec at intake: the condition colour, while the list of parts has focus.
PART_SPEC: list[BindingType] = [
    Binding("g", "color('g')", "Green", id="part.green"),
    Binding("y", "color('y')", "Yellow", id="part.yellow"),
    Binding("r", "color('r')", "Red", id="part.red"),
    Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
]

KEYS_DIALOG: list[BindingType] = [
    *DIALOG,
    Binding("question_mark,f1", "cancel", "Close", show=False, id="keys.close"),
]

CONFIRM: list[BindingType] = [
    Binding("y,enter", "confirm", "Yes", id="confirm.yes"),
    Binding("n,escape", "cancel", "No", id="confirm.no"),
]

# Leaving with your own timer running (ctrl+q, ctrl+o): what to do with it.
TIMER_GUARD: list[BindingType] = [
    Binding("p", "choose('pause')", "Pause it", id="guard.pause"),
    Binding("s", "choose('stop')", "Stop it", id="guard.stop"),
    Binding("l", "choose('leave')", "Leave running", id="guard.leave"),
    Binding("c,escape", "choose('cancel')", "Cancel", id="guard.cancel"),
]

# The wall board (shopfloor board), an app of its own: read-only, no login.
BOARD: list[BindingType] = [
    Binding("space", "next_page", "Next page", id="board.next_page"),
    Binding("p", "next_period", "Period", id="board.next_period"),
    Binding("ctrl+q", "quit", "Quit", id="board.quit"),
]


# --- the admin screens (issue 24): People, Fleet and Rules, opened from the dashboard ---------

DASHBOARD_ADMIN: list[BindingType] = [
    Binding("p", "open_admin('people')", "People", id="dashboard.people"),
    Binding("f", "open_admin('fleet')", "Fleet", id="dashboard.fleet"),
    Binding("r", "open_admin('rules')", "Rules", id="dashboard.rules"),
    Binding("w", "cycle_table", "Downtime", id="dashboard.downtime"),
    Binding("x", "export", "Export", id="dashboard.export"),
]

# A form of a few fields: enter moves on (and saves on the last), so only escape is bound.
FORM_DIALOG: list[BindingType] = [
    Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
]

# Tick several (roles): space ticks in the list itself; enter answers.
PICK_MANY: list[BindingType] = [
    Binding("enter", "confirm", "Save", priority=True, id="pick_many.save"),
    Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
]

PEOPLE: list[BindingType] = [
    Binding("a", "add", "Add", id="people.add"),
    Binding("r", "roles", "Roles", id="people.roles"),
    Binding("b", "badge", "Badge", id="people.badge"),
    Binding("i", "pin", "PIN", id="people.pin"),
    Binding("w", "password", "Password", id="people.password"),
    Binding("d", "toggle_active", "Deactivate", id="people.active"),
    Binding("l", "log", "Log", id="people.log"),
    Binding("escape", "close", "Back", id="people.back"),
]

# Lines to read (a person's log): escape or enter closes.
INFO_DIALOG: list[BindingType] = [
    Binding("escape,enter", "cancel", "Close", id="info.close"),
]

FLEET: list[BindingType] = [
    Binding("a", "add", "Add", id="fleet.add"),
    Binding("x", "toggle_archived", "Archive/restore", id="fleet.archive"),
    Binding("s", "cycle_status", "Status", id="fleet.status"),
    Binding("v", "cycle_shown", "Archived", id="fleet.shown"),
    Binding("slash", "find", "Find", key_display="/", id="fleet.find"),
    Binding("h", "bike_history", "History", id="fleet.history"),
    Binding("m", "parts", "Parts", id="fleet.parts"),
    Binding("o", "set_model", "Model", show=False, id="fleet.model"),
    Binding("right_square_bracket", "page(1)", "Page →", show=False, id="list.next_page"),
    Binding("left_square_bracket", "page(-1)", "Page ←", show=False, id="list.prev_page"),
    Binding("pagedown", "page(1)", "Next page", show=False, id="list.page_down"),
    Binding("pageup", "page(-1)", "Prev page", show=False, id="list.page_up"),
    Binding("escape", "close", "Back", id="fleet.back"),
]

# Finding tickets on Tickets (added to TICKET_LIST), and a bike's history from a ticket.
TICKET_FIND: list[BindingType] = [
    Binding("slash", "find", "Find", key_display="/", id="tickets.find"),
    Binding("t", "pick_technician", "Technician", show=False, id="tickets.technician"),
    Binding("w", "pick_days", "Dates", show=False, id="tickets.dates"),
    Binding("c", "clear_find", "Clear the search", show=False, id="tickets.clear_find"),
    Binding("h", "bike_history", "Bike history", id="tickets.bike_history"),
]

TICKET_DETAIL_HISTORY: list[BindingType] = [
    Binding("h", "bike_history", "Bike history", id="detail.bike_history"),
]

# Enter opens the highlighted ticket (the table takes it); escape goes back.
BIKE_HISTORY: list[BindingType] = [
    Binding("escape", "close", "Back", id="history.back"),
]

# The parts catalogue, by bike model (from Fleet).
PARTS: list[BindingType] = [
    Binding("a", "add", "Add part", id="catalogue.add"),
    Binding("n", "add_model", "New model", id="catalogue.add_model"),
    Binding("d", "toggle_removed", "Remove/restore", id="catalogue.remove"),
    Binding("v", "cycle_shown", "Removed", id="catalogue.shown"),
    Binding("escape", "close", "Back", id="catalogue.back"),
]

# Enter on a row does the same as e (rules) or b (history): the table itself takes enter.
RULES: list[BindingType] = [
    Binding("e", "edit", "Change", id="rules.edit"),
    Binding("tab", "switch_side", "Rules/History", show=False, id="rules.switch_side"),
    Binding("h", "history", "History", id="rules.history"),
    Binding("b", "rollback", "Roll back", id="rules.rollback"),
    Binding("escape", "close", "Back", id="rules.back"),
]


# Where each list of keys is active, for the keymap file's checks (shopfloor/keymap.py):
# two ids on one key in the same place clash. The app's keys (GLOBAL) work everywhere.
# A new screen or dialog adds its list here, with ids named "screen.action".
PLACES: dict[str, tuple[list[BindingType], ...]] = {
    "login": (GLOBAL, LOGIN),
    "lock": (GLOBAL, LOCK),
    "first run": (GLOBAL, FIRST_RUN),
    "intake": (GLOBAL, INTAKE, SUGGESTIONS, CHECKLIST_EDITOR),
    "assign": (GLOBAL, ASSIGN, TICKET_TABLE),
    "my work": (GLOBAL, TECHNICIAN, TICKET_TABLE),
    "qc": (GLOBAL, QC, TICKET_TABLE),
    "tickets": (GLOBAL, TICKET_LIST, TICKET_FIND, TICKET_TABLE),
    "ticket detail": (GLOBAL, TICKET_DETAIL, TICKET_DETAIL_HISTORY),
    "dashboard": (GLOBAL, DASHBOARD, DASHBOARD_ADMIN),
    "people": (GLOBAL, PEOPLE),
    "fleet": (GLOBAL, FLEET),
    "parts catalogue": (GLOBAL, PARTS),
    "rules": (GLOBAL, RULES),
    "bike history": (GLOBAL, BIKE_HISTORY),
    "a form": (GLOBAL, FORM_DIALOG),
    "a pick-many list": (GLOBAL, PICK_MANY),
    "an info box": (GLOBAL, INFO_DIALOG),
    "parts waiting": (GLOBAL, PARTS_WAITING),
    "review queue": (GLOBAL, REVIEW, TICKET_TABLE),
    "a dialog": (GLOBAL, DIALOG),
    "the pause reasons": (GLOBAL, PICK_NUMBER),
    "the keys list": (GLOBAL, KEYS_DIALOG),
    "the task list": (GLOBAL, TASKS),
    "a part to fix": (GLOBAL, PART_SPEC),
    "a yes/no question": (GLOBAL, CONFIRM),
    "the running-timer question": (GLOBAL, TIMER_GUARD),
    "the wall board": (BOARD,),
}


@dataclass(frozen=True)
class Scanned:
    """A code that came from a scanner: a bike code, or (at the login and lock screens)
    a badge."""

    code: str
    badge: bool = False


@dataclass
class ScanDetector:
    """Tells a barcode scanner (keyboard mode) from a person typing.

    A scan is a burst: keys each within ``max_gap`` seconds of the one before, ending in
    enter. A bike code starts with ``prefix`` (``RM-``, in either case: a scanner with
    Caps Lock on sends ``rm-1037``); while keys could still be one they are held back
    (so a scanned ``1`` never assigns a ticket, and a code never lands in a note), and
    once they cannot be, they are handed back in order as ordinary typing.

    Where badges are read (``badges=True`` when a burst starts: the login and lock
    screens), a burst of at least ``min_badge`` characters that started after a pause,
    ends in enter and is followed by a pause is a badge. Its characters go on to the
    field as they come (the screen takes them back out); only its enter waits, so a
    login typed as one burst (``tech1`` enter ``secret`` enter) still logs in.
    Timestamps come from the caller, so tests drive the clock.
    """

    prefix: str
    max_gap: float
    max_length: int = 40
    min_badge: int = 4
    held: list[tuple[events.Key, float]] = field(default_factory=list)
    _last: float | None = None  # when the last key came
    _run: str = ""  # the characters of the burst so far, while it could be a badge
    _run_badge: bool = False  # the burst could still be a badge
    _badge_enter: bool = False  # ``held`` is the enter ending a possible badge

    @property
    def holding(self) -> bool:
        return bool(self.held)

    def take(self) -> list[events.Key]:
        """Give back every held key, as typing."""
        keys = [key for key, _ in self.held]
        self.held.clear()
        self._badge_enter = False
        return keys

    def interrupt(self) -> list[events.Key]:
        """Something else came (pasted text): held keys are typing, no badge is under way."""
        self._run_badge = False
        return self.take()

    def expire(self, now: float) -> list[events.Key | Scanned]:
        """What the held keys turned out to be, once the burst went quiet for longer than
        ``max_gap``: typing, or a badge. Nothing while it may still go on."""
        if not self.held or now - self.held[-1][1] <= self.max_gap:
            return []
        if self._badge_enter:
            self.held.clear()
            self._badge_enter = self._run_badge = False
            return [Scanned(self._run, badge=True)]
        return list(self.take())

    def _is_prefix_of_code(self, text: str) -> bool:
        upper, prefix = text.upper(), self.prefix.upper()
        return upper.startswith(prefix) or prefix.startswith(upper)

    def feed(
        self, key: events.Key, at: float, *, badges: bool = False
    ) -> list[events.Key | Scanned]:
        """Keys to handle now as typing, and what was scanned, in order.

        ``badges``: whether a badge may start here (read when a burst starts).
        """
        out = self.expire(at)
        quiet = self._last is None or at - self._last > self.max_gap
        self._last = at
        if quiet:
            self._run, self._run_badge = "", badges
        if self._badge_enter:  # a key right after it: that enter was typing
            out += self.take()
            self._run_badge = False
        char = key.character or ""
        printable = len(char) == 1 and char.isprintable() and not char.isspace()
        if key.key == "enter":
            return out + self._enter(key, at)
        if printable and self._run_badge and len(self._run) < self.max_length:
            self._run += char
        else:
            self._run_badge = False
        text = "".join(k.character or "" for k, _ in self.held)
        if not self.held:
            if self.prefix and char.upper() == self.prefix[0].upper():
                self.held.append((key, at))
                return out
            return [*out, key]
        grown = text + char
        if printable and self._is_prefix_of_code(grown) and len(grown) <= self.max_length:
            self.held.append((key, at))
            return out
        return [*out, *self.take(), key]

    def _enter(self, key: events.Key, at: float) -> list[events.Key | Scanned]:
        text = "".join(k.character or "" for k, _ in self.held)
        if (
            self.held
            and text.upper().startswith(self.prefix.upper())
            and len(text) > len(self.prefix)
        ):
            self.held.clear()
            self._run_badge = False
            return [Scanned(text.upper())]
        run, could_be_badge = self._run, self._run_badge
        if could_be_badge and len(run) >= self.min_badge and not self._is_prefix_of_code(run):
            typed = self.take()  # a held start of a code ("...R") is part of the badge
            self.held.append((key, at))
            self._badge_enter = True
            return list(typed)
        self._run_badge = False
        return [*self.take(), key]
