"""The session header: screen, who is logged in and in which role, the shop's clock, and
the keys that work everywhere (screen switches, role, log out, theme, ? for all keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from .. import keys

if TYPE_CHECKING:
    from ..app import ShopfloorApp


def nav_keys(screen: Screen[object]) -> list[tuple[str, str]]:
    """(key, label) of the everywhere-keys this screen's user may press now, in keymap order."""
    app = screen.app
    shown: list[tuple[str, str]] = []
    for active in screen.active_bindings.values():
        binding = active.binding
        action = binding.action.split("(", 1)[0]
        if action not in keys.NAV_ACTIONS or binding.key in keys.NAV_HIDDEN_KEYS:
            continue
        if active.enabled:
            shown.append((app.get_key_display(binding), binding.description))
    return shown


class NavKeys(Static):
    """One line of the keys that work on every screen, kept in step with the bindings."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self.show_keys)

    def _bindings_changed(self, _screen: Screen[object]) -> None:
        self.show_keys()

    def show_keys(self) -> None:
        # One space between entries, the key in bold: a super admin with a second role
        # still fits 80 columns.
        line = Text()
        for key, label in nav_keys(self.screen):
            line.append(key, style="bold")
            line.append(f" {label} ")
        line.rstrip()
        self.update(line)


class SessionHeader(Vertical):
    """``shopfloor · Screen`` | ``Name (username) · Role`` | clock, and the key line."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.screen_title = title

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-top"):
            yield Static(f"shopfloor · {self.screen_title}", id="header-title", markup=False)
            yield Static("", id="header-user", markup=False)
            yield Static("", id="header-clock")
        yield NavKeys("", id="header-keys")

    def on_mount(self) -> None:
        self.refresh_header()
        self.set_interval(1.0, self.refresh_header)

    def on_resize(self) -> None:
        self.refresh_header()

    def refresh_header(self) -> None:
        app = cast("ShopfloorApp", self.app)
        session = app.session
        # Under 70 columns the name and role keep their room: no app name, no username.
        narrow = self.screen.has_class("-narrow")
        title = self.screen_title if narrow else f"shopfloor · {self.screen_title}"
        self.query_one("#header-title", Static).update(title)
        who = "not logged in"
        if session is not None:
            user = session.user
            name = user.display_name if narrow else f"{user.display_name} ({user.username})"
            who = f"{name} · {session.role_label}"
        self.query_one("#header-user", Static).update(who)
        clock = app.local_now().strftime("%a %H:%M:%S")
        self.query_one("#header-clock", Static).update(clock)
