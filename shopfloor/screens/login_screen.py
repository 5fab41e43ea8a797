"""Log in: username and password (or a badge scan and a PIN), then the role's home screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from .. import keys
from ..domain import DomainError, UserView
from .badge import BadgeReader, pin_input

if TYPE_CHECKING:
    from ..app import ShopfloorApp
    from ..domain import Shop

# The screen itself imports no SQLAlchemy and no models, so it paints at once; the use
# cases below import them in the worker they run in (issue 13).


def _shop_has_users(shop: Shop) -> bool:
    from ..domain.users import shop_has_users

    return shop_has_users(shop)


def _authenticate(
    shop: Shop, username: str, password: str, app: ShopfloorApp
) -> tuple[UserView, bool]:
    """The user, and whether their password is a one-time code they must replace now."""
    from ..domain.users import authenticate, must_change_password

    user = authenticate(shop, username, password, client=app.terminal_client)
    return user, must_change_password(shop, user.id)


def _choose_password(shop: Shop, user_id: int, password: str) -> UserView:
    from ..domain.users import change_password

    return change_password(shop, user_id, user_id, password)


class LoginScreen(BadgeReader, Screen[None]):
    """The shared terminal's front door."""

    BINDINGS = keys.LOGIN
    BADGE_FIELD = "username"
    OTHER_FIELDS = ("password",)
    BIKE_SCAN_HINT = "log in first (type your name and password, or scan your badge)."

    def __init__(self, hint: str = "") -> None:
        super().__init__()
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="login-box", classes="dialog"):
            yield Label("shopfloor", classes="dialog-title")
            yield Static("E-bike workshop · log in to start", classes="dialog-detail")
            yield Input(placeholder="username", id="username")
            yield Input(placeholder="password", password=True, id="password")
            yield pin_input()
            yield Static("", id="login-error", markup=False)
            if self.hint:
                yield Static(self.hint, id="login-hint", classes="dialog-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()
        self.call(_shop_has_users, done=self._offer_first_run)

    def _offer_first_run(self, has_users: bool) -> None:
        """A shop with nobody to log in: say so, show the command, and at a local terminal
        offer to make the admin (over SSH, the first to connect must not own the shop)."""
        if has_users:
            return
        from .first_run_screen import FIRST_ADMIN_COMMAND, FirstRunScreen

        self.query_one("#login-error", Static).update(
            f"This shop has no users yet; create the first administrator with: "
            f"{FIRST_ADMIN_COMMAND}"
        )
        if cast("ShopfloorApp", self.app).settings.remote_terminal:
            return
        self.app.push_screen(FirstRunScreen(), self._first_admin_created)

    def _first_admin_created(self, user: UserView | None) -> None:
        if user is not None:
            self._signed_in(user)
        else:  # someone else made the first user meanwhile: the plain login applies
            self.query_one("#login-error", Static).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "pin":
            cast("ShopfloorApp", self.app).hold_keys()  # keys typed on are for the home screen
            self.submit_pin(event.value)
            return
        if event.input.id == "username":
            self.query_one("#password", Input).focus()
            return
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username:
            self.show_error(DomainError("Type your username first.", field="username"))
            self.query_one("#username", Input).focus()
            return
        self.query_one("#login-error", Static).update("Checking…")
        # Keys typed on (F3, a scan...) are for the home screen: they wait for it.
        cast("ShopfloorApp", self.app).hold_keys()
        app = cast("ShopfloorApp", self.app)
        self.call(_authenticate, username, password, app, done=self._checked)

    def _checked(self, result: tuple[UserView, bool]) -> None:
        user, must_change = result
        if not must_change:
            self._signed_in(user)
            return
        # A one-time code: the person chooses their own password before going on.
        from .admin_dialogs import Field, FormDialog
        from .people_screen import two_passwords

        app = cast("ShopfloorApp", self.app)
        app.release_keys()
        self.query_one("#login-error", Static).update("")

        def chosen(answers: dict[str, str] | None) -> None:
            if answers is None or not answers["password"]:
                self.show_error(
                    DomainError("Choose your own password to log in.", field="password")
                )
                return
            app.hold_keys()
            self.call(_choose_password, user.id, answers["password"], done=self._signed_in)

        app.push_screen(
            FormDialog(
                f"Welcome, {user.display_name}: choose your password",
                [
                    Field("password", "New password", password=True),
                    Field("again", "Again", password=True),
                ],
                detail="You logged in with a one-time code; from now on you log in with "
                "the password you choose here.",
                check=two_passwords,
                scan_note="no password was chosen",
            ),
            chosen,
        )

    def _signed_in(self, user: UserView) -> None:
        app = cast("ShopfloorApp", self.app)
        self.forget_badge()
        app.sign_in(user)
        app.release_keys()

    def badge_accepted(self, user: UserView) -> None:
        self._signed_in(user)

    def not_a_badge(self, code: str) -> None:
        # A username sent in one burst: its enter moves on to the password, as typed.
        self.query_one("#password", Input).focus()

    def _pin_refused(self, exc: DomainError) -> None:
        cast("ShopfloorApp", self.app).release_keys()
        super()._pin_refused(exc)

    def show_error(self, exc: DomainError) -> None:
        cast("ShopfloorApp", self.app).release_keys()
        self.query_one("#login-error", Static).update(exc.message)
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()
