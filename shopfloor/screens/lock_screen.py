"""The idle lock: the screen underneath stays as it was until its user comes back.

The locked user types the password, or anyone scans their badge and types their PIN:
the locked user carries on, someone else takes the terminal over (as ctrl+o, then
logging in, would). The locked user's own timer stays in view, ticking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from .. import keys
from ..domain import DomainError, UserView, WorkSessionView
from ..keymap import hint_for
from ..widgets.formatting import hms
from .badge import BadgeReader, pin_input

if TYPE_CHECKING:
    from ..app import ShopfloorApp
    from ..domain import Shop

# The locked user's timer is read again this often (a change made elsewhere shows).
TIMER_READ_SECONDS = 10.0


@dataclass(frozen=True)
class LockedTimer:
    """The locked user's open work session, its ticket's bike, and when it was read."""

    session: WorkSessionView | None
    bike_code: str
    read_at: datetime


def read_locked_timer(shop: Shop, user_id: int) -> LockedTimer:
    """The user's open timer (runs in a worker)."""
    from ..domain import get_ticket, open_session_of

    session = open_session_of(shop, user_id)
    bike = get_ticket(shop, session.ticket).bike_code if session else ""
    return LockedTimer(session, bike, shop.clock.now())


class LockScreen(BadgeReader, Screen[None]):
    """Covers everything after idle time; unlock with the password, a badge, or switch user."""

    BINDINGS = keys.LOCK
    BADGE_FIELD = "password"
    BIKE_SCAN_HINT = "unlock first (your password, or your badge and PIN)."

    def __init__(self, user: UserView) -> None:
        super().__init__()
        self.user = user
        self.timer: LockedTimer | None = None

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="login-box", classes="dialog"):
            yield Label("Locked", classes="dialog-title")
            yield Static(
                markup=False,
                content=f"{self.user.display_name} ({self.user.username}) was idle. "
                "Type the password to carry on, scan a badge, or "
                f"{hint_for(self.app, 'app.logout', 'ctrl+o')} to switch user.",
                classes="dialog-detail",
            )
            yield Static("", id="lock-timer", markup=False)
            yield Input(placeholder="password", password=True, id="password")
            yield pin_input()
            yield Static("", id="login-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#password", Input).focus()
        self.query_one("#lock-timer", Static).display = False
        self.read_timer()
        self.set_interval(TIMER_READ_SECONDS, self.read_timer)
        self.set_interval(1.0, self.tick)

    # --- the locked user's timer ------------------------------------------------------------

    def read_timer(self) -> None:
        self.call(
            read_locked_timer,
            self.user.id,
            done=self._timer_read,
            failed=lambda _: None,  # the lock keeps working while the database is away
            group="lock-timer",
            exclusive=True,
        )

    def _timer_read(self, timer: LockedTimer) -> None:
        self.timer = timer
        self.tick()

    def tick(self) -> None:
        """``RUNNING #25 RM-1015 0:12:03``, counting on from the last read."""
        line = self.query_one("#lock-timer", Static)
        timer = self.timer
        if timer is None or timer.session is None:
            line.display = False
            return
        session = timer.session
        seconds = session.worked_seconds
        running = session.status == "running"
        if running:
            now = cast("ShopfloorApp", self.app).shop.clock.now()
            seconds += max(0, int((now - timer.read_at).total_seconds()))
        state = "RUNNING" if running else "PAUSED"
        line.update(f"{state} #{session.ticket} {timer.bike_code} {hms(seconds)}")
        line.set_class(running, "-running")
        line.set_class(not running, "-paused")
        line.display = True

    # --- unlocking --------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "pin":
            self.submit_pin(event.value)
            return
        app = cast("ShopfloorApp", self.app)

        def check(shop: Shop) -> UserView:
            from ..domain.users import authenticate

            return authenticate(shop, self.user.username, event.value, client=app.terminal_client)

        self.say("Checking…")
        self.call(check, done=self._unlocked)

    def _unlocked(self, user: UserView) -> None:
        self.dismiss()

    def badge_accepted(self, user: UserView) -> None:
        """The locked user carries on; anyone else takes the terminal over."""
        self.forget_badge()
        if user.id == self.user.id:
            self.dismiss()
            return
        app = cast("ShopfloorApp", self.app)
        app.sign_in(user)
        app.notify(f"{self.user.display_name} was logged out; {user.display_name} is logged in.")

    def not_a_badge(self, code: str) -> None:
        # A scanner's speed, but no badge: the text stays, and only a deliberate enter
        # makes it a password attempt.
        self.say("That came in as fast as a scan but is no badge; enter tries it as the password.")

    def action_switch_user(self) -> None:
        cast("ShopfloorApp", self.app).action_logout()

    def show_error(self, exc: DomainError) -> None:
        self.say(exc.message)
        self.query_one("#password", Input).value = ""
