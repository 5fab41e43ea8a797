"""How a terminal learns that the shop changed: pushed on PostgreSQL, a cheap check on SQLite.

On PostgreSQL every committed change notifies the channel :data:`CHANNEL` (triggers of
migration ``0010_change_notify``); a :class:`ChangeFeed` listens on its own connection
and calls back at once. SQLite has no such channel, so its terminals read
:func:`change_marker` (a few index lookups) once a second and compare.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from .models import Bike, TicketTransition, User, WorkSessionEvent
from .shop import Tx, reads
from .sql.caller import RULE_COLUMNS, joined

if TYPE_CHECKING:
    from .shop import Shop

# The last one is the workshop's rules as read with the caller (no extra lookup): a rule
# changed from the command line (pause budget, shift end) reaches open terminals too.
ChangeMarker = tuple[int, int, datetime | None, datetime | None, tuple[Any, ...]]

_MARKER = joined(
    select(
        select(func.max(TicketTransition.id)).scalar_subquery().label("transition"),
        select(func.max(WorkSessionEvent.id)).scalar_subquery().label("timer_event"),
        select(func.max(Bike.updated_at)).scalar_subquery().label("bike"),
        select(func.max(User.updated_at)).scalar_subquery().label("user"),
    )
)

CHANNEL = "shopfloor_changes"


@reads
def change_marker(tx: Tx) -> ChangeMarker:
    """Something that differs whenever a ticket, timer, bike, user or the rules change."""
    row = tx.read(_MARKER)[0]
    rules = tuple(row[f"rules_{name}"] for name in RULE_COLUMNS)
    return (
        int(row["transition"] or 0),
        int(row["timer_event"] or 0),
        row["bike"],
        row["user"],
        rules,
    )


class ChangeFeed:
    """Committed changes pushed by PostgreSQL to this process, on a connection of its own.

    :meth:`run` blocks (run it in a thread): it calls ``on_change`` for every
    committed change, and once each time it (re)connects, since whatever changed
    while it was away was not delivered. A lost connection (the server restarted,
    the backend was ended) is replaced, first at once, then backing off to
    :attr:`retry_most` seconds, for as long as the feed runs.
    """

    def __init__(
        self,
        url: str,
        *,
        wait_seconds: float = 0.25,
        retry_first: float = 0.05,
        retry_most: float = 2.0,
    ) -> None:
        # libpq's own spelling of the URL (no SQLAlchemy driver name).
        self.conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        self.wait_seconds = wait_seconds  # how soon a stop is noticed while nothing happens
        self.retry_first = retry_first
        self.retry_most = retry_most
        self.connected = threading.Event()  # set while listening (tests wait on it)
        self.backend_pid: int | None = None  # the server process of the listening connection
        self.connects = 0
        self._stop = threading.Event()

    @classmethod
    def for_shop(cls, shop: Shop) -> ChangeFeed | None:
        """A feed for ``shop``'s database, or ``None`` when it cannot push (SQLite)."""
        if shop.dialect != "postgresql":
            return None
        return cls(shop.engine.url.render_as_string(hide_password=False))

    def stop(self) -> None:
        """Make :meth:`run` return (within :attr:`wait_seconds`)."""
        self._stop.set()

    def run(
        self, on_change: Callable[[], None], should_stop: Callable[[], bool] = lambda: False
    ) -> None:
        """Listen until :meth:`stop` or ``should_stop()``; call ``on_change`` as above."""
        import psycopg

        def stopped() -> bool:
            return self._stop.is_set() or should_stop()

        delay = self.retry_first
        while not stopped():
            try:
                conn = psycopg.connect(
                    self.conninfo,
                    autocommit=True,
                    connect_timeout=5,
                    # A server that vanished without closing the socket is noticed too.
                    keepalives=1,
                    keepalives_idle=10,
                    keepalives_interval=5,
                    keepalives_count=3,
                )
            except psycopg.Error:
                self._stop.wait(delay)
                delay = min(delay * 2, self.retry_most)
                continue
            try:
                with conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.backend_pid = conn.info.backend_pid
                    self.connects += 1
                    self.connected.set()
                    delay = self.retry_first
                    on_change()
                    while not stopped():
                        for _ in conn.notifies(timeout=self.wait_seconds):
                            on_change()
            except psycopg.Error:
                self._stop.wait(delay)
            finally:
                self.connected.clear()


class MarkerFeed:
    """The same calls as :class:`ChangeFeed` where nothing is pushed (SQLite): it reads
    :func:`change_marker` every ``poll_seconds`` and calls back when it moved (and at
    its first reading, since whatever changed before was not seen)."""

    def __init__(self, shop: Shop, *, poll_seconds: float = 1.0) -> None:
        self.shop = shop
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(
        self, on_change: Callable[[], None], should_stop: Callable[[], bool] = lambda: False
    ) -> None:
        last: ChangeMarker | None = None
        while not (self._stop.is_set() or should_stop()):
            try:
                marker: ChangeMarker | None = change_marker(self.shop)
            except Exception:  # busy or briefly unreachable: read again at the next tick
                marker = None
            if marker is not None and marker != last:
                last = marker
                on_change()
            self._stop.wait(self.poll_seconds)


def feed_for(shop: Shop, *, poll_seconds: float = 1.0) -> ChangeFeed | MarkerFeed:
    """How a process learns of changes to ``shop``: pushed on PostgreSQL, else polled."""
    return ChangeFeed.for_shop(shop) or MarkerFeed(shop, poll_seconds=poll_seconds)
