"""A badge scan and a PIN: the login and lock screens' quick way in at a shared terminal.

The app's scan detector (``keys.ScanDetector``) tells a badge from typing; its
characters have already gone into the field that had focus, so the screen takes them
back out, asks for the PIN, and checks both together (``domain.users.authenticate_badge``,
throttled per terminal apart from passwords). Escape puts the characters back: a
password sent in one burst by a password manager reads as a badge, and is not lost.
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
    """Mixin for a screen with a ``#pin`` input, a ``#login-error`` line and the fields in
    :attr:`TYPED_FIELDS`, where a badge may be scanned into the first of them."""

    # The fields a badge may be scanned into (while empty) and that hide for the PIN.
    TYPED_FIELDS: tuple[str, ...] = ()
    # What a bike code scanned here should say instead of acting.
    BIKE_SCAN_HINT = "log in first."

    _badge: str | None = None
    _typed_back: tuple[Input, str] | None = None  # the field the badge was typed into, before

    @property
    def _screen(self) -> Screen[None]:
        return cast(Screen[None], self)

    @property
    def reading_pin(self) -> bool:
        return self._badge is not None

    def reads_badges(self) -> bool:
        """A burst starting now may be a badge: an empty field of ours has focus."""
        focused = self._screen.focused
        return (
            not self.reading_pin
            and isinstance(focused, Input)
            and focused.id in self.TYPED_FIELDS
            and not focused.value
        )

    def say(self, message: str) -> None:
        self._screen.query_one("#login-error", Static).update(message)

    def take_scan(self, scanned: Scanned) -> None:
        if not scanned.badge:
            self.say(f"Scanned {scanned.code}: {self.BIKE_SCAN_HINT}")
            return
        focused = self._screen.focused
        if isinstance(focused, Input) and focused.id in self.TYPED_FIELDS:
            # Its characters went into the field as they came: take them back out.
            before = focused.value
            cut = before.rfind(scanned.code)
            if cut >= 0:
                focused.value = before[:cut] + before[cut + len(scanned.code) :]
            self._typed_back = (focused, before)
        self._badge = scanned.code
        self._show_pin_field(True)
        self.say(PIN_PROMPT)

    def _show_pin_field(self, show: bool) -> None:
        screen = self._screen
        for name in self.TYPED_FIELDS:
            screen.query_one(f"#{name}", Input).display = not show
        pin = screen.query_one("#pin", Input)
        pin.value = ""
        pin.display = show
        if show:
            pin.focus()
        screen.refresh_bindings()

    def action_leave_pin(self) -> None:
        """Escape: no PIN after all; whatever the badge typed goes back where it was."""
        if not self.reading_pin:
            return
        self._badge = None
        self._show_pin_field(False)
        self.say("")
        if self._typed_back is not None:
            field, before = self._typed_back
            self._typed_back = None
            field.value = before
            field.cursor_position = len(before)
            field.focus()
        else:
            self._screen.query_one(f"#{self.TYPED_FIELDS[0]}", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_pin":
            return self.reading_pin
        return True

    def submit_pin(self, pin: str) -> None:
        """Check the badge and PIN (in a worker); :meth:`badge_accepted` gets the user."""
        badge = self._badge
        if badge is None:
            return
        app = cast("ShopfloorApp", self._screen.app)

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

    def forget_badge(self) -> None:
        """The person is in (or gave up): the screen returns to its fields."""
        if self.reading_pin:
            self._badge = None
            self._typed_back = None
            self._show_pin_field(False)

    def badge_accepted(self, user: UserView) -> None:
        raise NotImplementedError
