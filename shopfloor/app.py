"""The terminal UI: wires the login, the role screens, live refresh and the idle lock.

``run_tui(shop, settings)`` is what ``shopfloor``, ``shopfloor tui`` and
``shopfloor demo`` call. Screens live in :mod:`shopfloor.screens`, keys in
:mod:`shopfloor.keys`, colours in ``styles/app.tcss``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.worker import get_current_worker

from . import domain, keymap, keys, themes
from .domain import (
    BikeState,
    DomainError,
    Role,
    TicketView,
    UserView,
    WorkSessionView,
)
from .keymap import UiConfig
from .keys import Scanned
from .screens.base import ScanAware, ShopScreen, bike_and_ticket
from .screens.dialogs import ChoiceDialog, Dialog, TimerGuardDialog
from .screens.keys_dialog import KeysDialog, all_keys
from .screens.login_screen import LoginScreen
from .screens.session import Session, user_roles

if TYPE_CHECKING:
    from .config import Settings
    from .domain import ChangeMarker, Shop
    from .domain.changes import ChangeFeed

# This module, the login screen and what they import stay free of SQLAlchemy and the
# models (issue 13): the login screen paints first, and the shop is opened and the
# other screens imported in a worker meanwhile. tests/tui/test_paints_first.py checks.


def screen_classes() -> dict[str, Callable[[], ShopScreen]]:
    """The role screens by name (imported on first use: they need the domain)."""
    from .screens.assign_screen import AssignScreen
    from .screens.dashboard_screen import DashboardScreen
    from .screens.intake_screen import IntakeScreen
    from .screens.qc_queue_screen import QcQueueScreen
    from .screens.technician_screen import TechnicianScreen
    from .screens.ticket_list_screen import TicketListScreen

    return {
        "intake": IntakeScreen,
        "assign": AssignScreen,
        "my_work": TechnicianScreen,
        "qc": QcQueueScreen,
        "tickets": TicketListScreen,
        "dashboard": DashboardScreen,
    }


def __getattr__(name: str) -> Any:
    if name == "SCREENS":  # the old constant, for callers that want the whole table
        return screen_classes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


POLL_SECONDS = 1.0  # a change made elsewhere shows within two polls at most
# A key waits for the previous key's effects (focus moves, messages) at most this long,
# so a stuck widget can never swallow the keyboard.
KEY_SETTLE_LIMIT = 2.0
# Keys typed while a login is checked wait for the home screen, at most this long.
KEY_HOLD_LIMIT = 10.0


class ShopfloorApp(App[None]):
    """One terminal on the shop floor; several people may take turns at it."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "shopfloor"
    ENABLE_COMMAND_PALETTE = False  # every action has its own key; the footer needs the room
    BINDINGS = keys.GLOBAL
    # Screens get -narrow (under 70 columns, e.g. 60x20), -medium (80x24) or -wide: the
    # stylesheet gives side panels less room on narrow terminals, titles and states more.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-medium"), (100, "-wide")]

    def __init__(
        self,
        shop: Shop | None,
        settings: Settings,
        *,
        open_shop: Callable[[], Shop] | None = None,
        tz: tzinfo | None = None,
        poll_seconds: float = POLL_SECONDS,
        idle_clock: Callable[[], float] = time.monotonic,
        login_hint: str = "",
        ui: UiConfig | None = None,
    ) -> None:
        super().__init__()
        # Either an open shop, or how to open one: then it opens in a worker while the
        # login screen shows, and workers asking for it wait (see ``shop``).
        self._shop = shop
        self._open_shop = open_shop
        self._shop_ready = threading.Event()
        if shop is not None:
            self._shop_ready.set()
        self.startup_error: Exception | None = None  # why the shop did not open
        self.settings = settings
        self.login_hint = login_hint
        self.tz = tz
        self.session: Session | None = None
        self._poll_seconds = poll_seconds
        # Times every key (bursts, double taps) and the idle lock; tests pass their own.
        self.idle_clock = idle_clock
        self._last_input = idle_clock()
        self._marker: ChangeMarker | None = None
        self._polling = False
        # Keys as they arrived (with the input clock's time), keys ready to handle, and
        # the one task that hands them out one at a time: see on_event.
        self._arrived: deque[tuple[events.Key | events.Paste, float]] = deque()
        self._keys_ready: deque[events.Key | events.Paste | Scanned] = deque()
        self._arrival: dict[int, float] = {}  # id(event) -> when it arrived
        self._released: list[events.Key | events.Paste] = []
        self._feeder: asyncio.Task[None] | None = None
        self._keys_open = asyncio.Event()
        self._keys_open.set()
        self.key_time = idle_clock()  # when the key being handled arrived
        self.scanner = keys.ScanDetector(settings.scan_prefix, settings.scan_gap_ms / 1000)
        self._terminal_client: str | None = None
        for theme in themes.THEMES:
            self.register_theme(theme)
        # config.toml's keys and theme (checked before the app starts: see keymap.py).
        self.ui = ui or UiConfig()
        if self.ui.keymap:
            self.set_keymap(dict(self.ui.keymap))
        # Monochrome under NO_COLOR, else config.toml's theme, else the terminal's own
        # light or dark background where it says, else dark.
        self.start_theme = themes.start_theme(os.environ, self.ui.theme)
        self.theme = self.start_theme

    @property
    def shop(self) -> Shop:
        """The shop; until it is open (workers only ask then), wait for it."""
        self._shop_ready.wait()
        if self._shop is None:
            raise DomainError("The shop could not be opened.", field="database")
        return self._shop

    @property
    def terminal_client(self) -> str:
        """This terminal's name for the login throttle (workers only: it may read a file)."""
        if self._terminal_client is None:
            from .domain.throttle import terminal_client

            self._terminal_client = terminal_client(self.settings.terminal_identity())
        return self._terminal_client

    @property
    def opened_shop(self) -> Shop | None:
        """The shop this app opened itself (for its caller to dispose), if any."""
        return self._shop if self._open_shop is not None else None

    def _open_in_worker(self) -> None:
        """In a thread: open the shop, then import the screens the login leads to."""
        assert self._open_shop is not None
        try:
            self._shop = self._open_shop()
        except Exception as exc:  # reported as one line once the TUI has closed
            self.startup_error = exc
            with contextlib.suppress(RuntimeError):
                self.call_from_thread(self.exit, None, 1)
            return
        finally:
            self._shop_ready.set()
        screen_classes()

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
        if self._open_shop is not None:
            self.run_worker(self._open_in_worker, thread=True, group="open")
        self.set_interval(self._poll_seconds, self._poll)
        self.set_interval(1.0, self._check_idle)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.Paste):
            self._last_input = self.idle_clock()
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            if (
                isinstance(event, events.Key)
                and event.key in keymap.current_keys(self.ui.keymap, "app.quit")
                and not self._keys_open.is_set()
            ):
                await super().on_event(event)  # quitting never waits behind a slow login
                return
            if any(event is k for k in self._released):
                self._released.remove(event)
                await super().on_event(event)
                return
            # Textual picks a key's widget when the key arrives; in a burst the earlier
            # keys' effects (enter moving focus, a checkbox reacting to a change) are
            # still queued then, so later keys went to the old widget. Keys are queued
            # here instead and handed on one at a time, each once the last has settled
            # (pasted text too, so it keeps its place among the keys).
            at = self.idle_clock()
            self._arrival[id(event)] = at
            self._arrived.append((event, at))
            self._wake_feeder()
            return
        await super().on_event(event)

    # --- keys in order ----------------------------------------------------------------------

    def _wake_feeder(self) -> None:
        if self._feeder is None or self._feeder.done():
            self._feeder = asyncio.create_task(self._feed_keys())

    def hold_keys(self) -> None:
        """Keep later keys queued until :meth:`release_keys` (a login being checked)."""
        self._keys_open.clear()

    def release_keys(self) -> None:
        """Hand queued keys on again, to whatever screen is showing by then."""
        self._keys_open.set()

    async def _feed_keys(self) -> None:
        while (self._keys_ready or self._arrived) and not self._exit:
            if not self._keys_open.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._keys_open.wait(), KEY_HOLD_LIMIT)
                self._keys_open.set()
                await self._until_settled()  # the screen the wait was for is mounted
            if self._keys_ready:
                item = self._keys_ready.popleft()
                if isinstance(item, Scanned):
                    await self.scan(item)
                else:
                    self.key_time = self._arrival.pop(id(item), self.key_time)
                    self._released.append(item)
                    self.post_message(item)
                await self._until_settled()
                continue
            key, at = self._arrived.popleft()
            # Every screen reads scans, dialogs and text fields included: a code typed
            # into a note or answering a question is exactly what must not happen.
            if isinstance(key, events.Key):
                self._keys_ready.extend(self.scanner.feed(key, at, badges=self._reads_badges()))
            else:
                self._keys_ready.extend([*self.scanner.interrupt(), key])
        if self.scanner.holding and not self._exit:
            self.set_timer(self.scanner.max_gap * 1.5, self.expire_scan)

    def expire_scan(self) -> None:
        """Held keys that turned out not to be a scan (the burst went quiet) are typing."""
        self._keys_ready.extend(self.scanner.expire(self.idle_clock()))
        self._wake_feeder()

    def _reads_badges(self) -> bool:
        """Whether a burst starting now may be a badge (the login and lock screens say)."""
        from .screens.badge import BadgeReader

        screen = self.screen
        return isinstance(screen, BadgeReader) and screen.reads_badges()

    def _settled(self) -> bool:
        """No message is queued or being handled anywhere on the screens."""
        pumps: list[Any] = [self]
        for screen in self.screen_stack:
            pumps.extend(screen.walk_children(with_self=True))
        return not any(
            pump._message_queue.qsize()
            or pump._next_callbacks
            or (isinstance(pump, Widget) and not pump.is_mounted)  # still being built
            for pump in pumps
        )

    async def _until_settled(self) -> None:
        deadline = time.monotonic() + KEY_SETTLE_LIMIT
        spins = quiet = 0
        while time.monotonic() < deadline and not self._exit:
            await asyncio.sleep(0 if spins < 100 else 0.002)
            spins += 1
            # Twice in a row: a pump takes a message off its queue and handles it in one
            # step, so an empty queue seen on two turns of the loop means nothing is left.
            quiet = quiet + 1 if self._settled() else 0
            if quiet >= 2:
                return

    # --- scan to act ------------------------------------------------------------------------

    async def scan(self, scanned: Scanned) -> None:
        """A code came from a scanner: a badge for the login or lock screen, or a bike code.

        A bike code opens that bike where the role acts on it. A scan never answers a
        dialog: every dialog above the role screen closes with nothing chosen, and the
        status line says what was not done before what the scan opened.
        """
        screen = self.screen
        if isinstance(screen, ScanAware):  # login, lock, first run: they say what it does
            screen.take_scan(scanned)
            return
        if scanned.badge or self.session is None:
            return
        notes: list[str] = []
        closed = False
        while isinstance(self.screen, ModalScreen):
            closed = True
            dialog = self.screen
            if isinstance(dialog, Dialog):
                if dialog.scan_note:
                    notes.append(dialog.scan_note)
                dialog.close_unanswered()
            else:
                dialog.dismiss(None)
        if closed:  # their callbacks run first, so what the scan says is said last
            await self._until_settled()
        screen = self._role_screen()
        note = "; ".join(notes)
        if not isinstance(screen, ShopScreen) or screen.take_scan(scanned.code, note):
            return
        screen.set_status(
            f"Scanned {scanned.code}: {note}…" if note else f"Scanned {scanned.code}…"
        )
        screen.call(
            bike_and_ticket,
            scanned.code,
            done=lambda found: self._scanned(found, scanned.code, note),
            group="scan",
            exclusive=True,
        )

    def _scanned(self, found: tuple[BikeState, TicketView | None], code: str, note: str) -> None:
        state, ticket = found
        session = self.session
        if session is None:
            return

        def said(what: str) -> str:
            """``what`` the scan opened, after what a closed dialog left undone."""
            return f"Scanned {code}: {note}; {what}" if note else f"Scanned {what}"

        if not state.valid or state.bike is None:
            close = f" Closest: {', '.join(state.suggestions)}." if state.suggestions else ""
            self._tell(said(f"{state.code}: no such bike in the fleet.{close}"), error=True)
            return
        role, me = session.role, session.user.id
        code = state.code
        if ticket is None:
            if session.may_open("intake"):
                from .screens.intake_screen import IntakeScreen

                intake = IntakeScreen(bike_code=code)
                self._show(intake)
                if note:
                    intake.initial_status = f"Scanned {code}: {note}."
                return
            self._tell(said(f"{code}: {state.message}"), error=True)
            return
        where = f"#{ticket.id} {code} ({ticket.status.replace('_', ' ')})"
        if role is Role.TECHNICIAN or (role is Role.SUPER_ADMIN and ticket.technician == me):
            if ticket.technician == me and ticket.status in ("assigned", "rework", "in_progress"):
                start, pause = self.key_of("work.start"), self.key_of("work.pause")
                self._open_on(
                    "my_work", ticket.id, said(f"{where}: {start} starts or {pause} resumes.")
                )
                return
            if ticket.technician == me and ticket.status == "waiting_qc":
                self._open_on("my_work", ticket.id, said(f"{where}: it is waiting for QC."))
                return
            if role is Role.TECHNICIAN:
                self._tell(said(f"{where}: it is not on your list."), error=True)
                return
        if ticket.status == "waiting_qc" and session.may_open("qc"):
            passes, fails = self.key_of("qc.pass"), self.key_of("qc.fail")
            self._open_on("qc", ticket.id, said(f"{where}: {passes} passes, {fails} fails."))
            return
        if ticket.status in ("new", "rework", "assigned") and session.may_open("assign"):
            reassign = ticket.status == "assigned"
            self._open_on(
                "assign", ticket.id, said(f"{where}: a digit assigns it."), reassign=reassign
            )
            return
        from .screens.ticket_detail_screen import TicketDetailScreen

        detail = TicketDetailScreen(ticket.id)
        self.push_screen(detail)
        if note:
            detail.initial_status = said(f"{where}.")

    def _open_on(self, name: str, ticket_id: int, message: str, *, reassign: bool = False) -> None:
        """Show screen ``name`` (reusing it if it is open) with ``ticket_id`` highlighted."""
        from .screens.assign_screen import AssignScreen
        from .screens.paged import PagedTicketsScreen

        screen: Screen[Any] = self._role_screen()
        if not isinstance(screen, screen_classes()[name]):  # type: ignore[arg-type]
            screen = screen_classes()[name]()
            self._show(screen)
        assert isinstance(screen, PagedTicketsScreen)
        if reassign and isinstance(screen, AssignScreen):
            screen.include_assigned = True
        screen.select_ticket(ticket_id, message)

    def _role_screen(self) -> Screen[Any]:
        """The screen under any dialog: a question asked again while a scan was read (the
        shift's end) must not swallow what the scan says."""
        stack: list[Screen[Any]] = list(self.screen_stack)
        bases = [screen for screen in stack if not isinstance(screen, ModalScreen)]
        top: Screen[Any] = bases[-1] if bases else self.screen
        return top

    def _tell(self, message: str, *, error: bool = False) -> None:
        screen = self._role_screen()
        if isinstance(screen, ShopScreen):
            screen.set_status(message, error=error)
        self.notify(message, severity="error" if error else "information")

    # --- session ----------------------------------------------------------------------------

    def sign_in(self, user: UserView, role: Role | None = None) -> None:
        """Start working as ``user`` (in ``role``, else their main one) on their home screen."""
        session = Session.start(user)
        if role is not None:
            session = Session(user, role)
        self.session = session
        self._last_input = self.idle_clock()
        self._show(screen_classes()[session.home]())

    def action_logout(self) -> None:
        """Hand the terminal to the next person (asking first if your timer runs)."""
        self._guard_timer(self.log_out, "log out")

    async def action_quit(self) -> None:
        """Close the terminal UI (asking first if your timer runs)."""
        self._guard_timer(lambda: self.exit(), "quit")

    def log_out(self) -> None:
        """Log out now, without asking."""
        self.session = None
        self._show(LoginScreen(self.login_hint))

    def _guard_timer(self, leave: Callable[[], None], verb: str) -> None:
        """Run ``leave`` at once, unless the user's own timer runs: then ask what to do."""
        session, screen = self.session, self.screen
        if session is None or not isinstance(screen, ShopScreen):
            leave()
            return
        me = session.user.id

        def read(shop: Shop) -> WorkSessionView | None:
            return domain.open_session_of(shop, me)

        def away(ticket_id: int, *, running: bool) -> None:
            """Pause (or re-label a pause) as time away, then leave: never counted against
            the pause budget, never resumed by it, so it works with the budget used up."""
            active = self.screen
            if not isinstance(active, ShopScreen):
                leave()
                return
            active.call(
                domain.pause_for_time_away,
                me,
                ticket_id,
                done=lambda _: leave(),
                # A running timer that did not pause keeps the person here, told why; a
                # pause that kept its reason books nothing, so they may go.
                failed=None if running else (lambda _: leave()),
            )

        def stop(ticket_id: int) -> None:
            """Stop the timer (the work so far is booked), then leave; a refusal keeps the
            person here, told why."""
            active = self.screen
            if isinstance(active, ShopScreen):
                active.call(domain.stop_work_session, me, ticket_id, done=lambda _: leave())

        def ask(open_session: WorkSessionView | None) -> None:
            if open_session is None:
                leave()
                return
            if open_session.status != "running":
                away(open_session.ticket, running=False)  # from now on it is time away
                return

            def chosen(choice: str | None) -> None:
                if choice == "leave":
                    leave()
                elif choice == "pause":
                    away(open_session.ticket, running=True)
                elif choice == "stop":
                    stop(open_session.ticket)

            self.push_screen(TimerGuardDialog(open_session.ticket, verb), chosen)

        def unreadable(_: DomainError) -> None:
            leave()  # the database is away: do not keep the person from leaving

        screen.call(read, done=ask, failed=unreadable)

    def action_switch_role(self) -> None:
        session = self.session
        if session is None:
            return
        options = [(Role(r).label, r) for r in user_roles(session.user)]

        def chosen(slug: str | None) -> None:
            if slug and self.session is not None:
                self.session = Session(self.session.user, Role(slug))
                self._show(screen_classes()[self.session.home]())

        dialog = ChoiceDialog("Work as which role?", options, scan_note="your role was not changed")
        self.push_screen(dialog, chosen)

    def action_go(self, name: str) -> None:
        if self.session is None or not self.session.may_open(name):
            return
        if isinstance(self.screen, screen_classes()[name]):  # type: ignore[arg-type]
            return
        self._show(screen_classes()[name]())

    def open_intake(self, bike_code: str) -> None:
        """Intake with ``bike_code`` filled in: the hook for a barcode scanner later."""
        if self.session is not None and self.session.may_open("intake"):
            from .screens.intake_screen import IntakeScreen

            self._show(IntakeScreen(bike_code=bike_code))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("go", "switch_role") and self._locked():
            return False
        if action == "go":
            name = str(parameters[0])
            if self.session is None:  # logged out: no screen to go to (nor to import)
                return False
            if isinstance(self.screen, screen_classes()[name]):  # type: ignore[arg-type]
                return False  # no key for the screen you are on
            return self.session.may_open(name)
        if action == "switch_role":
            return self.session is not None and len(self.session.user.role_slugs) > 1
        if action == "logout":
            return self.session is not None and not isinstance(self.screen, TimerGuardDialog)
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
        """The start theme or the other of dark and light (NO_COLOR keeps monochrome)."""
        if self.start_theme == themes.MONO:
            return
        if self.theme != self.start_theme:
            self.theme = self.start_theme
        else:
            self.theme = themes.other_theme(self.start_theme)

    def key_of(self, binding_id: str) -> str:
        """How the (first) key of ``binding_id`` is shown, the keymap file applied: for
        hints such as "p resumes" that must name the key the person really has."""
        return keymap.key_display(self, self.ui.keymap, binding_id)

    def keys_hint(self, binding_id: str, default: str) -> str:
        """A dialog hint's keys: ``default`` ("y or enter") unless the keymap moved them."""
        return keymap.keys_hint(self, self.ui.keymap, binding_id, default)

    # --- idle lock --------------------------------------------------------------------------

    def _check_idle(self) -> None:
        # The interval can fire once more while the app closes and its screens are gone.
        if self.session is None or not self.screen_stack or self._locked():
            return
        if not self.settings.idle_lock_enabled:  # SHOPFLOOR_IDLE_LOCK_SECONDS=0 or off
            return
        if self.idle_clock() - self._last_input >= self.settings.idle_lock_seconds:
            self.lock()

    def lock(self) -> None:
        """Cover the screen until the same user types their password (or someone logs in)."""
        if self.session is not None and not self._locked():
            from .screens.lock_screen import LockScreen

            self.push_screen(LockScreen(self.session.user))

    def _locked(self) -> bool:
        if self.session is None:
            return False  # nobody to lock the screen for, and no need to import it
        from .screens.lock_screen import LockScreen

        return isinstance(self.screen, LockScreen)

    # --- live refresh -----------------------------------------------------------------------
    # On SQLite a worker reads the change marker once a second; on PostgreSQL the first
    # tick starts a feed instead (domain.changes.ChangeFeed) and every committed change,
    # whoever made it, is pushed to the screens at once.

    _feed: ChangeFeed | None = None  # set once this terminal listens (PostgreSQL)

    def _poll(self) -> None:
        if self._polling or self._feed is not None:
            return
        self._polling = True
        self.run_worker(self._poll_marker, thread=True, group="poll", exclusive=True)

    def _poll_marker(self) -> None:
        """In a thread: a few index lookups; the screens re-read only when something moved."""
        worker = get_current_worker()
        marker: ChangeMarker | None = None
        feed: ChangeFeed | None = None
        try:
            shop = self.shop  # waits while the shop opens: import nothing before
            from .domain.changes import ChangeFeed

            feed = ChangeFeed.for_shop(shop)
            if feed is None:
                marker = domain.change_marker(shop)
        except (DomainError, Exception):  # the database may be briefly busy; try next tick
            marker = None
        if not worker.is_cancelled:
            with contextlib.suppress(RuntimeError):
                if feed is not None:
                    self.call_from_thread(self._listen, feed)
                else:
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
        self._shop_changed()

    def _listen(self, feed: ChangeFeed) -> None:
        """Listen from now on: the feed's thread lives as long as the app (a worker)."""
        self._polling = False
        self._feed = feed

        def listen() -> None:
            worker = get_current_worker()

            def pushed() -> None:
                with contextlib.suppress(RuntimeError):  # the app is closing
                    self.call_from_thread(self._shop_changed)

            feed.run(pushed, should_stop=lambda: worker.is_cancelled)

        self.run_worker(listen, thread=True, group="listen", exit_on_error=False)

    def _shop_changed(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, ShopScreen):
                screen.shop_changed()


def run_tui(
    shop: Shop | None,
    settings: Settings,
    *,
    open_shop: Callable[[], Shop] | None = None,
    login_hint: str = "",
    ui: UiConfig | None = None,
) -> None:
    """Open the terminal UI on ``shop`` (or on what ``open_shop`` opens) until the user quits.

    With ``open_shop`` the login screen shows at once and the shop opens behind it; if it
    cannot open, the TUI closes and the error is raised here. ``login_hint`` is shown
    under the login form (the demo lists its logins there); ``ui`` is config.toml's
    keymap and theme (:func:`shopfloor.keymap.load_ui_config`).
    """
    app = ShopfloorApp(shop, settings, open_shop=open_shop, login_hint=login_hint, ui=ui)
    try:
        app.run()
    finally:
        opened = app.opened_shop
        if opened is not None:
            opened.dispose()
    if app.startup_error is not None:
        raise app.startup_error
