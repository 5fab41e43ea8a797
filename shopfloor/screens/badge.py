"""A badge scan and a PIN: the login and lock screens' quick way in at a shared terminal.

The app's scan detector (``keys.ScanDetector``) reports a burst ending in enter that
started in an empty field; its characters have already gone into that field. The
screen asks the shop whether it is a badge (``domain.users.is_badge``, throttled per
terminal): a badge's characters are taken back out and the PIN is asked for, and both
are checked together (``authenticate_badge``). Anything else stays what it was typed
as: a username sent in one burst (``tech1`` enter) moves on to the password, a
password sent in one burst at the lock screen waits for enter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen
from textual.widgets import Input, Static

from ..domain import DomainError, UserView
from ..keys import Scanned
from .base import ScanAware, ServiceCalls

if TYPE_CHECKING:
    from ..app import ShopfloorApp
    from ..domain import Shop

PIN_PROMPT = "Badge read: type your PIN, then enter (escape: back)."


def pin_input() -> Input:
    """The PIN field, hidden until a badge is scanned."""
    field = Input(
        placeholder="PIN (4-8 digits)",
        password=True,
        restrict=r"[0-9]*",
        max_length=8,
        id="pin",
    )
    field.display = False
    return field


class BadgeReader(ScanAware, ServiceCalls):
    """Mixin for a screen with a ``#pin`` input, a ``#login-error`` line and the field in
    :attr:`BADGE_FIELD`, where a badge may be scanned while it is empty."""

    # The field a badge is scanned into (while empty); it hides while the PIN is typed.
    BADGE_FIELD = ""
    # The other fields that hide while the PIN is typed.
    OTHER_FIELDS: tuple[str, ...] = ()
    # What a bike code scanned here should say instead of acting.
    BIKE_SCAN_HINT = "log in first."

    _badge: str | None = None

    @property
    def _screen(self) -> Screen[None]:
        return cast(Screen[None], self)

    @property
    def _app(self) -> ShopfloorApp:
        return cast("ShopfloorApp", self._screen.app)

    @property
    def reading_pin(self) -> bool:
        return self._badge is not None

    def reads_badges(self) -> bool:
        """A burst starting now may be a badge: our badge field has focus and is empty."""
        focused = self._screen.focused
        return (
            not self.reading_pin
            and isinstance(focused, Input)
            and focused.id == self.BADGE_FIELD
            and not focused.value
        )

    def say(self, message: str) -> None:
        self._screen.query_one("#login-error", Static).update(message)

    def take_scan(self, scanned: Scanned) -> None:
        if not scanned.badge:
            self.say(f"Scanned {scanned.code}: {self.BIKE_SCAN_HINT}")
            return
        app = self._app
        code = scanned.code

        def ask(shop: Shop) -> bool:
            from ..domain.users import is_badge

            return is_badge(shop, code, client=app.terminal_client)

        def answered(badge: bool) -> None:
            app.release_keys()
            if badge:
                self._read_pin(code)
            else:
                self.not_a_badge(code)

        def refused(exc: DomainError) -> None:  # too many unknown badges here
            app.release_keys()
            self.say(exc.message)

        app.hold_keys()  # keys typed on wait for the answer, as after a login's enter
        self.call(ask, done=answered, failed=refused)

    def _read_pin(self, code: str) -> None:
        field = self._screen.query_one(f"#{self.BADGE_FIELD}", Input)
        # The badge's characters went into the field as they came: take them back out.
        cut = field.value.rfind(code)
        if cut >= 0:
            field.value = field.value[:cut] + field.value[cut + len(code) :]
        self._badge = code
        self._show_pin_field(True)
        self.say(PIN_PROMPT)

    def not_a_badge(self, code: str) -> None:
        """No badge has this code: it was typed (in one burst) into the field."""

    def _show_pin_field(self, show: bool) -> None:
        screen = self._screen
        for name in (self.BADGE_FIELD, *self.OTHER_FIELDS):
            screen.query_one(f"#{name}", Input).display = not show
        pin = screen.query_one("#pin", Input)
        pin.value = ""
        pin.display = show
        if show:
            pin.focus()
        else:
            screen.query_one(f"#{self.BADGE_FIELD}", Input).focus()
        screen.refresh_bindings()

    def action_leave_pin(self) -> None:
        """Escape: no PIN after all; back to the password (and username)."""
        if self.reading_pin:
            self.forget_badge()
            self.say("")

    def forget_badge(self) -> None:
        """The person is in (or gave up): the screen returns to its fields."""
        if self.reading_pin:
            self._badge = None
            self._show_pin_field(False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_pin":
            return self.reading_pin
        return True

    def submit_pin(self, pin: str) -> None:
        """Check the badge and PIN (in a worker); :meth:`badge_accepted` gets the user."""
        badge = self._badge
        if badge is None:
            return
        app = self._app

        def check(shop: Shop) -> UserView:
            from ..domain.users import authenticate_badge

            return authenticate_badge(shop, badge, pin, client=app.terminal_client)

        self.say("Checking…")
        self.call(check, done=self.badge_accepted, failed=self._pin_refused)

    def _pin_refused(self, exc: DomainError) -> None:
        self.say(exc.message)
        pin = self._screen.query_one("#pin", Input)
        pin.value = ""
        pin.focus()

    def badge_accepted(self, user: UserView) -> None:
        raise NotImplementedError
