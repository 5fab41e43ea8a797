"""Who is asking, and whose turn it is: client addresses and fair password checks.

The throttle itself (limits, window, the shared table) is the domain's
(:mod:`shopfloor.domain.throttle`); this module decides the address it counts for,
and (:class:`LoginTurns`) shares the server's password checks fairly between addresses.
``X-Forwarded-For`` is believed only when the direct peer is one of the
configured trusted proxies (``SHOPFLOOR_TRUSTED_PROXIES``), and then only as far
as the chain of trusted proxies reaches: anyone can write that header.
"""

from __future__ import annotations

import asyncio
import heapq
import ipaddress
import itertools
import os
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from starlette.requests import Request

from ..config import Network
from .errors import ApiError

UNKNOWN = "unknown"


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: Request, trusted_proxies: Sequence[Network]) -> str:
    """The address of the client behind ``request``, as far as it can be trusted."""
    address = request.client.host if request.client else UNKNOWN
    if not _trusted(address, trusted_proxies):
        return address
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
    ]
    # Each trusted proxy appended the address it was reached from; walk back from
    # the nearest and stop at the first hop that is not a trusted proxy.
    for hop in reversed(hops):
        try:
            hop = str(ipaddress.ip_address(hop))
        except ValueError:
            return address  # garbage written by the client: the last proxy's word is all we have
        if not _trusted(hop, trusted_proxies):
            return hop
        address = hop
    return address


# Logins one server process checks at once, across every client. argon2 is slow on
# purpose and runs on several threads (the domain hashes one password per two CPUs); a
# second turn keeps logins going while one waits on the database.
CHECKS_AT_ONCE = max(2, (os.cpu_count() or 2) // 2)
# Logins from one address that may wait behind its check in flight; more are refused.
# Waiting costs the server nothing but a little memory, while a refusal invites the
# client to send again at once: a flood that waits is a flood that stops sending.
WAITING_PER_CLIENT = 200


def login_busy() -> ApiError:
    return ApiError(
        429,
        "Too many logins from your address are waiting to be checked; wait for their "
        "answers, then try again.",
        "login_busy",
        headers={"Retry-After": "1"},
    )


class ClientGone(ApiError):
    """The client of a waiting login closed its connection: nobody to check it for.

    Answered like any refusal (nginx's 499, "client closed request"), to nobody.
    """

    def __init__(self) -> None:
        super().__init__(499, "The client closed the connection.", "client_gone")


class LoginTurns:
    """Password checks of one server process, shared fairly between client addresses.

    At most one check per address runs at a time, and at most ``checks`` in all. More
    logins from a busy address wait behind its check, up to ``waiting_per_client``;
    beyond that they are refused at once (:func:`login_busy`), before any database work
    or password check. A free turn goes to the waiting address that has had the fewest
    checks since it was last idle (nothing waiting or running), first come first among
    equals: floods take turns round-robin, and a login from an address that is not
    flooding waits at most for the checks already running, however many logins others
    keep waiting. A waiting login holds no thread, database connection or row, and is
    dropped if its client goes. The database-counted throttle
    (:mod:`shopfloor.domain.throttle`) still counts every check, across processes; its
    refusals take their turn like checks do.

    Runs on the server's event loop; not thread-safe.
    """

    def __init__(
        self, checks: int = CHECKS_AT_ONCE, waiting_per_client: int = WAITING_PER_CLIENT
    ) -> None:
        self._free = checks
        self._waiting_per_client = waiting_per_client
        self._checking: set[str] = set()
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}
        # Checks each busy address has had since it was last idle.
        self._served: dict[str, int] = {}
        # Addresses with a login waiting and none running, as (served, arrival, address):
        # the next turn is the smallest. ``_lined_up`` holds each address's live entry
        # (its arrival); others are left behind (its logins all left) and skipped.
        self._next: list[tuple[int, int, str]] = []
        self._lined_up: dict[str, int] = {}
        self._arrivals = itertools.count()

    @asynccontextmanager
    async def turn(
        self, client: str, gone: Callable[[], Awaitable[object]] | None = None
    ) -> AsyncIterator[None]:
        """Wait for ``client``'s turn to check a password, and hold it for the block.

        ``gone`` returns once the client has closed its connection; a login still
        waiting then gives up its place and raises :class:`ClientGone`.
        """
        outstanding = len(self._waiting.get(client, ())) + (client in self._checking)
        if outstanding > self._waiting_per_client:
            raise login_busy()
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(client, deque()).append(granted)
        self._line_up(client)
        self._hand_out()
        await self._wait(client, granted, gone)
        try:
            yield
        finally:
            self._done(client)

    async def _wait(
        self,
        client: str,
        granted: asyncio.Future[None],
        gone: Callable[[], Awaitable[object]] | None,
    ) -> None:
        watch = None if granted.done() or gone is None else asyncio.ensure_future(gone())
        try:
            if watch is not None:
                await asyncio.wait((granted, watch), return_when=asyncio.FIRST_COMPLETED)
                if not granted.done():
                    raise ClientGone()
            await granted
        except BaseException:  # cancelled, or the client gone: give the place back
            if granted.done() and not granted.cancelled():
                self._done(client)  # the turn came just as the wait ended
            else:
                granted.cancel()
                self._withdraw(client, granted)
            raise
        finally:
            if watch is not None:
                watch.cancel()

    def _line_up(self, client: str) -> None:
        if client not in self._checking and client not in self._lined_up:
            arrival = next(self._arrivals)
            heapq.heappush(self._next, (self._served.get(client, 0), arrival, client))
            self._lined_up[client] = arrival

    def _hand_out(self) -> None:
        while self._free > 0 and self._next:
            _, arrival, client = heapq.heappop(self._next)
            if self._lined_up.get(client) != arrival:
                continue  # left behind
            del self._lined_up[client]
            queue = self._waiting[client]
            granted = queue.popleft()
            if not queue:
                del self._waiting[client]
            self._checking.add(client)
            self._served[client] = self._served.get(client, 0) + 1
            self._free -= 1
            granted.set_result(None)

    def _done(self, client: str) -> None:
        self._checking.discard(client)
        self._free += 1
        if client in self._waiting:
            self._line_up(client)
        else:
            self._served.pop(client, None)  # idle: its next login is as new
        self._hand_out()

    def _withdraw(self, client: str, granted: asyncio.Future[None]) -> None:
        queue = self._waiting.get(client)
        if queue is not None and granted in queue:
            queue.remove(granted)
            if not queue:
                del self._waiting[client]
                self._lined_up.pop(client, None)
                if client not in self._checking:
                    self._served.pop(client, None)
