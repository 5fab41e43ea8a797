"""The frame every logged-in screen shares: header, status line, footer, workers, live refresh.

Screens gather input and call a domain use case through :meth:`ShopScreen.call`,
which runs it in a thread worker so the event loop never waits on the database,
then hands the result (or the :class:`DomainError`) back on the event loop.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from ..domain import AuthenticationFailed, DomainError
from ..keys import Scanned
from ..widgets.header import SessionHeader
from .session import Session

if TYPE_CHECKING:
    from ..app import ShopfloorApp
    from ..domain import BikeState, Shop, TicketView

R = TypeVar("R")
log = logging.getLogger(__name__)


def bike_and_ticket(shop: Shop, code: str) -> tuple[BikeState, TicketView | None]:
    """A scanned or typed bike code's state (with the closest codes when it is no bike)
    and its active ticket, if any (runs in a worker)."""
    from .. import domain  # here: the login screen imports this module and paints first

    state = domain.bike_state(shop, code)
    ticket = domain.get_ticket(shop, state.active_ticket_id) if state.active_ticket_id else None
    return state, ticket


def is_live(node: Widget) -> bool:
    """Whether ``node`` is mounted and still on screen: only then may a result touch it."""
    return node.is_mounted and node.is_attached and not node._closing


class ServiceCalls:
    """Mixin: run domain calls in thread workers and show their errors."""

    def call(
        self,
        fn: Callable[..., R],
        *args: Any,
        done: Callable[[R], None],
        failed: Callable[[DomainError], None] | None = None,
        group: str = "shop",
        exclusive: bool = False,
        **kwargs: Any,
    ) -> None:
        """Run ``fn(shop, *args, **kwargs)`` in a thread; then ``done(result)`` on the loop."""
        node = cast(Screen[Any], self)
        app = cast("ShopfloorApp", node.app)
        on_error = failed or self.show_error

        def run() -> None:
            worker = get_current_worker()
            try:
                result = fn(app.shop, *args, **kwargs)
            except DomainError as exc:
                outcome: Callable[[], None] = partial(self._failed, exc, on_error)
            except Exception as exc:  # a dead database must not kill a shop-floor terminal
                log.exception("service call %s failed", getattr(fn, "__name__", fn))
                error = DomainError(f"Something went wrong: {exc}", field="database")
                outcome = partial(self._failed, error, on_error)
            else:
                outcome = partial(done, result)
            if worker.is_cancelled:
                return

            def deliver() -> None:
                # The screen may have been dismissed while the query ran: nobody to tell.
                if is_live(node):
                    outcome()

            with contextlib.suppress(RuntimeError):  # the app closed while the query ran
                app.call_from_thread(deliver)

        node.run_worker(run, thread=True, group=group, exclusive=exclusive)

    def _failed(self, exc: DomainError, on_error: Callable[[DomainError], None]) -> None:
        if isinstance(exc, AuthenticationFailed) and exc.field == "actor":
            app = cast("ShopfloorApp", cast(Screen[Any], self).app)
            app.notify(exc.message, severity="error")
            app.action_logout()
            return
        on_error(exc)

    def show_error(self, exc: DomainError) -> None:
        cast(Screen[Any], self).notify(exc.message, severity="error", timeout=8)


class ScanAware:
    """Mixin: a screen in front of everything (login, lock, first run) that says itself what
    a scan does there, instead of the app opening the bike."""

    def take_scan(self, scanned: Scanned) -> None:
        raise NotImplementedError


class ShopScreen(ServiceCalls, Screen[None]):
    """A logged-in screen: the session header on top, a status line and the footer below."""

    TITLE = ""

    def __init__(self) -> None:
        super().__init__()
        self._stale = False
        self._shown_for: Session | None = None
        self._acting: str | None = None  # what a state-changing key started, until it ends
        self._last_act: tuple[str, float, int | None] | None = None  # action, key time, ticket
        # The status line as the screen opens (a scan that opened it says what it did).
        self.initial_status = ""

    @property
    def shop_app(self) -> ShopfloorApp:
        return cast("ShopfloorApp", self.app)

    @property
    def shop(self) -> Shop:
        return self.shop_app.shop

    @property
    def session(self) -> Session:
        # While a logout tears the screen down, keys and bindings may still ask: answer
        # with the session the screen was shown for.
        session = self.shop_app.session or self._shown_for
        assert session is not None, "a ShopScreen is only shown to a logged-in user"
        self._shown_for = session
        return session

    @property
    def me(self) -> int:
        return self.session.user.id

    def now(self) -> datetime:
        """The shop's clock (tests freeze it), as aware UTC."""
        return self.shop.clock.now().astimezone(UTC)

    def compose(self) -> ComposeResult:
        self._shown_for = self.shop_app.session
        yield SessionHeader(self.TITLE)
        yield from self.compose_body()
        yield Static(self.initial_status, id="status-line", markup=False)
        # Compact: at 80 columns every key of the busiest screens still fits.
        yield Footer(compact=True)

    def compose_body(self) -> Iterable[Any]:
        return ()

    def on_mount(self) -> None:
        # Textual calls every class's on_mount along the MRO, subclasses first, so
        # subclasses never call super().on_mount(): that would read everything twice.
        self.refresh_data()

    def refresh_data(self) -> None:
        """Re-read what the screen shows (called on open, on live changes and on resume)."""

    def shop_changed(self) -> None:
        """Someone changed the shop: refresh now if visible, else when next shown.

        A notice for a screen that is not mounted yet is dropped (its own mount reads
        everything), and so is one for a screen already dismissed. A refresh while
        another runs restarts the read: each screen's reads are exclusive workers.
        """
        if not is_live(self) or self not in self.app.screen_stack:
            return
        if self.is_current:
            self.refresh_data()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.refresh_data()

    def act(
        self,
        action: str,
        ticket_id: int | None,
        working: str,
        fn: Callable[..., R],
        *args: Any,
        done: Callable[[R], None],
        failed: Callable[[DomainError], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """One key press, one state change: run ``fn`` like :meth:`call`, unless refused.

        Refused with a message: a press while this screen's previous action still runs,
        and the same ``action`` again within the double-tap time of the last one, on
        whichever ticket: after the first acted, the highlight may have moved on before
        the person could see it, or the row may still show the state the first press
        changed (the board not yet refreshed), which the domain would refuse as if
        someone else had acted. ``working`` shows at once and stays while the database
        keeps us waiting.
        """
        app = self.shop_app
        if self.refused_while_acting():
            return
        pressed = app.key_time
        last = self._last_act
        window = app.settings.double_tap_ms / 1000
        if last is not None and last[0] == action and pressed - last[1] < window:
            target = f" on #{ticket_id}" if ticket_id is not None else ""
            self.set_status(
                f"A second press right after the first was ignored (a double tap?); "
                f"press again to act{target}.",
                error=True,
            )
            return
        self._last_act = (action, pressed, ticket_id)
        self._acting = working[0].lower() + working[1:]
        self.set_status(f"{working}… (waiting for the shop database)")

        def finished(result: R) -> None:
            self._acting = None
            done(result)

        def refused(exc: DomainError) -> None:
            self._acting = None
            (failed or self.show_error)(exc)

        self.call(fn, *args, done=finished, failed=refused, **kwargs)

    def refused_while_acting(self) -> bool:
        """Refuse (and say so) a key press while this screen's last action still runs."""
        if self._acting is None:
            return False
        self.set_status(f"Still {self._acting}; that key press was ignored.", error=True)
        return True

    def on_key(self, event: events.Key) -> None:
        """A key of this screen that does nothing right now says why, instead of nothing."""
        active = self.active_bindings.get(event.key)
        if active is None or active.enabled or active.node is not self:
            return
        why = self.why_not(active.binding.action.split("(", 1)[0])
        if why:
            self.set_status(why, error=True)

    def why_not(self, action: str) -> str:
        """Why ``action`` cannot be done now (the screen's ``check_action`` said None)."""
        return ""

    def take_scan(self, code: str, note: str) -> bool:
        """A screen that has its own use for a scanned bike code takes it here (Intake
        fills it in) and says True; by default the app opens the bike where the role
        acts on it. ``note``: what a dialog the scan closed left undone."""
        return False

    def set_status(self, text: str, *, error: bool = False) -> None:
        """A one-line message where the user is looking, above the footer."""
        line = self.query_one("#status-line", Static)
        line.update(text)
        line.set_class(error, "-error")
        line.set_class(not error and bool(text), "-ok")

    def show_error(self, exc: DomainError) -> None:
        self.set_status(exc.message, error=True)
