"""The idle lock: the screen underneath stays as it was until its user types the password."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from .. import keys
from ..domain import DomainError, UserView, authenticate
from .base import ServiceCalls

if TYPE_CHECKING:
    from ..app import ShopfloorApp


class LockScreen(ServiceCalls, Screen[None]):
    """Covers everything after idle time; unlock with the password or switch user."""

    BINDINGS = keys.LOCK

    def __init__(self, user: UserView) -> None:
        super().__init__()
        self.user = user

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="login-box", classes="dialog"):
            yield Label("Locked", classes="dialog-title")
            yield Static(
                markup=False,
                content=f"{self.user.display_name} ({self.user.username}) was idle. "
                "Type the password to carry on, or ctrl+o to switch user.",
                classes="dialog-detail",
            )
            yield Input(placeholder="password", password=True, id="password")
            yield Static("", id="login-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#password", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#login-error", Static).update("Checking…")
        self.call(authenticate, self.user.username, event.value, done=self._unlocked)

    def _unlocked(self, user: UserView) -> None:
        self.dismiss()

    def action_switch_user(self) -> None:
        cast("ShopfloorApp", self.app).action_logout()

    def show_error(self, exc: DomainError) -> None:
        self.query_one("#login-error", Static).update(exc.message)
        self.query_one("#password", Input).value = ""
