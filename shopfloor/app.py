"""The terminal UI: wires the login, the role screens, live refresh and the idle lock.

``run_tui(shop, settings)`` is what ``shopfloor``, ``shopfloor tui`` and
``shopfloor demo`` call. Screens live in :mod:`shopfloor.screens`, keys in
:mod:`shopfloor.keys`, colours in ``styles/app.tcss``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from textual import events
from textual.app import App
from textual.screen import Screen
from textual.worker import get_current_worker

from . import keys, themes
from .config import Settings
from .domain import ChangeMarker, DomainError, Role, Shop, UserView, change_marker
from .screens.assign_screen import AssignScreen
from .screens.base import ShopScreen
from .screens.dashboard_screen import DashboardScreen
from .screens.dialogs import ChoiceDialog
from .screens.intake_screen import IntakeScreen
from .screens.keys_dialog import KeysDialog, all_keys
from .screens.lock_screen import LockScreen
from .screens.login_screen import LoginScreen
from .screens.qc_queue_screen import QcQueueScreen
from .screens.session import Session, user_roles
from .screens.technician_screen import TechnicianScreen
from .screens.ticket_list_screen import TicketListScreen

SCREENS: dict[str, Callable[[], ShopScreen]] = {
    "intake": IntakeScreen,
    "assign": AssignScreen,
    "my_work": TechnicianScreen,
    "qc": QcQueueScreen,
    "tickets": TicketListScreen,
    "dashboard": DashboardScreen,
}

POLL_SECONDS = 1.0  # a change made elsewhere shows within two polls at most


class ShopfloorApp(App[None]):
    """One terminal on the shop floor; several people may take turns at it."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "shopfloor"
    ENABLE_COMMAND_PALETTE = False  # every action has its own key; the footer needs the room
    BINDINGS = keys.GLOBAL

    def __init__(
        self,
        shop: Shop,
        settings: Settings,
        *,
        tz: tzinfo | None = None,
        poll_seconds: float = POLL_SECONDS,
        idle_clock: Callable[[], float] = time.monotonic,
        login_hint: str = "",
    ) -> None:
        super().__init__()
        self.shop = shop
        self.settings = settings
        self.login_hint = login_hint
        self.tz = tz
        self.session: Session | None = None
        self._poll_seconds = poll_seconds
        self._idle_clock = idle_clock
        self._last_input = idle_clock()
        self._marker: ChangeMarker | None = None
        self._polling = False
        for theme in themes.THEMES:
            self.register_theme(theme)
        # The terminal's own light or dark background where it says, else dark.
        self.theme = themes.terminal_theme(os.environ)

    # --- time -----------------------------------------------------------------------------

    def local_now(self) -> datetime:
        """The shop's clock in the terminal's time zone (or ``tz`` when given)."""
        return self.shop.clock.now().astimezone(self.tz)

    def local_midnight_utc(self) -> datetime:
        """Start of today where the terminal is, in UTC: the boundary of "worked today"."""
        local = self.local_now()
        return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)

    # --- lifecycle --------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(LoginScreen(self.login_hint))
        self.set_interval(self._poll_seconds, self._poll)
        self.set_interval(1.0, self._check_idle)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.Paste):
            self._last_input = self._idle_clock()
        await super().on_event(event)

    # --- session ----------------------------------------------------------------------------

    def sign_in(self, user: UserView, role: Role | None = None) -> None:
        """Start working as ``user`` (in ``role``, else their main one) on their home screen."""
        session = Session.start(user)
        if role is not None:
            session = Session(user, role)
        self.session = session
        self._last_input = self._idle_clock()
        self._show(SCREENS[session.home]())

    def action_logout(self) -> None:
        """Hand the terminal to the next person."""
        self.session = None
        self._show(LoginScreen(self.login_hint))

    def action_switch_role(self) -> None:
        session = self.session
        if session is None:
            return
        options = [(Role(r).label, r) for r in user_roles(session.user)]

        def chosen(slug: str | None) -> None:
            if slug and self.session is not None:
                self.session = Session(self.session.user, Role(slug))
                self._show(SCREENS[self.session.home]())

        self.push_screen(ChoiceDialog("Work as which role?", options), chosen)

    def action_go(self, name: str) -> None:
        if self.session is None or not self.session.may_open(name):
            return
        if isinstance(self.screen, SCREENS[name]):  # type: ignore[arg-type]
            return
        self._show(SCREENS[name]())

    def open_intake(self, bike_code: str) -> None:
        """Intake with ``bike_code`` filled in: the hook for a barcode scanner later."""
        if self.session is not None and self.session.may_open("intake"):
            self._show(IntakeScreen(bike_code=bike_code))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("go", "switch_role") and isinstance(self.screen, LockScreen):
            return False
        if action == "go":
            name = str(parameters[0])
            if isinstance(self.screen, SCREENS[name]):  # type: ignore[arg-type]
                return False  # no key for the screen you are on
            return self.session is not None and self.session.may_open(name)
        if action == "switch_role":
            return self.session is not None and len(self.session.user.role_slugs) > 1
        if action == "logout":
            return self.session is not None
        return True

    def _show(self, screen: Screen[Any]) -> None:
        """Replace everything above the base screen with ``screen``."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) == 2:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_show_keys(self) -> None:
        """Every key of the screen in front, including those the footer has no room for."""
        if not isinstance(self.screen, KeysDialog):
            self.push_screen(KeysDialog(all_keys(self.screen)))

    def action_toggle_theme(self) -> None:
        """Dark or light, for whichever the terminal's background suits."""
        self.theme = themes.other_theme(self.theme)

    # --- idle lock --------------------------------------------------------------------------

    def _check_idle(self) -> None:
        if self.session is None or isinstance(self.screen, LockScreen):
            return
        if not self.settings.idle_lock_enabled:  # SHOPFLOOR_IDLE_LOCK_SECONDS=0 or off
            return
        if self._idle_clock() - self._last_input >= self.settings.idle_lock_seconds:
            self.lock()

    def lock(self) -> None:
        """Cover the screen until the same user types their password (or someone logs in)."""
        if self.session is not None and not isinstance(self.screen, LockScreen):
            self.push_screen(LockScreen(self.session.user))

    # --- live refresh -----------------------------------------------------------------------

    def _poll(self) -> None:
        if self._polling:
            return
        self._polling = True
        self.run_worker(self._poll_marker, thread=True, group="poll", exclusive=True)

    def _poll_marker(self) -> None:
        """In a thread: a few index lookups; the screens re-read only when something moved."""
        worker = get_current_worker()
        try:
            marker: ChangeMarker | None = change_marker(self.shop)
        except (DomainError, Exception):  # the database may be briefly busy; try next tick
            marker = None
        if not worker.is_cancelled:
            with contextlib.suppress(RuntimeError):
                self.call_from_thread(self._marker_read, marker)

    def _marker_read(self, marker: ChangeMarker | None) -> None:
        self._polling = False
        if marker is None:
            return
        previous, self._marker = self._marker, marker
        # The first reading has nothing to compare with, and a screen may have read
        # its data just before a change: refresh once to be sure.
        if previous == marker:
            return
        for screen in self.screen_stack:
            if isinstance(screen, ShopScreen):
                screen.shop_changed()


def run_tui(shop: Shop, settings: Settings, *, login_hint: str = "") -> None:
    """Open the terminal UI on ``shop`` until the user quits.

    ``login_hint`` is shown under the login form (the demo lists its logins there).
    """
    ShopfloorApp(shop, settings, login_hint=login_hint).run()
