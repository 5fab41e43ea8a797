"""The session header: screen, who is logged in and in which role, and the shop's clock."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

if TYPE_CHECKING:
    from ..app import ShopfloorApp


class SessionHeader(Horizontal):
    """One line: ``shopfloor · Screen`` | ``Name (username) · Role`` | clock."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.screen_title = title

    def compose(self) -> ComposeResult:
        yield Static(f"shopfloor · {self.screen_title}", id="header-title", markup=False)
        yield Static("", id="header-user", markup=False)
        yield Static("", id="header-clock")

    def on_mount(self) -> None:
        self.refresh_header()
        self.set_interval(1.0, self.refresh_header)

    def refresh_header(self) -> None:
        app = cast("ShopfloorApp", self.app)
        session = app.session
        who = (
            f"{session.user.display_name} ({session.user.username}) · {session.role_label}"
            if session
            else "not logged in"
        )
        self.query_one("#header-user", Static).update(who)
        clock = app.local_now().strftime("%a %H:%M:%S")
        self.query_one("#header-clock", Static).update(clock)
