"""First run: a shop with no users offers to create its first administrator right here."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from .. import keys
from ..domain import DomainError, UserView
from ..domain.users import create_first_admin
from ..keys import Scanned
from .base import ScanAware, ServiceCalls

FIRST_ADMIN_COMMAND = "shopfloor user add NAME --role super_admin"


class FirstRunScreen(ScanAware, ServiceCalls, Screen[UserView | None]):
    """Username and a password typed twice; dismisses with the new super admin."""

    BINDINGS = keys.FIRST_RUN

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="login-box", classes="dialog"):
            yield Label("shopfloor · first run", classes="dialog-title")
            yield Static(
                "This shop has no users yet. Create the first administrator here, "
                f"or from a shell: {FIRST_ADMIN_COMMAND}",
                id="first-run-hint",
                classes="dialog-detail",
                markup=False,
            )
            yield Input(placeholder="administrator's username", id="username")
            yield Input(placeholder="password", password=True, id="password")
            yield Input(placeholder="the same password again", password=True, id="password2")
            yield Static("", id="login-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()

    def take_scan(self, scanned: Scanned) -> None:
        self.query_one("#login-error", Static).update(
            f"Scanned {scanned.code}: create the first administrator first."
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        order = ["username", "password", "password2"]
        if event.input.id != "password2":
            self.query_one(f"#{order[order.index(event.input.id or 'username') + 1]}").focus()
            return
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if password != event.value:
            self._refuse("The two passwords differ; type them again.")
            return
        self.query_one("#login-error", Static).update("Creating…")
        self.call(create_first_admin, username, password, done=self._created)

    def _created(self, user: UserView) -> None:
        self.dismiss(user)

    def show_error(self, exc: DomainError) -> None:
        if exc.code == "not_first_user":  # someone made the first user meanwhile: log in
            self.app.notify(exc.message)
            self.dismiss(None)
            return
        self._refuse(exc.message)

    def _refuse(self, message: str) -> None:
        self.query_one("#login-error", Static).update(message)
        for field in ("#password", "#password2"):
            self.query_one(field, Input).value = ""
        self.query_one("#password", Input).focus()
