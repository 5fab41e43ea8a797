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
import ipaddress
import os
from collections import deque
from collections.abc import AsyncIterator, Sequence
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


# Password checks one server process runs at once, across every client: argon2 is slow on
# purpose and busy on every core while it runs (the domain also bounds the hashing itself).
CHECKS_AT_ONCE = max(2, os.cpu_count() or 2)
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


class LoginTurns:
    """Password checks of one server process, served fairly across client addresses.

    At most one check per address runs at a time, and at most ``checks`` in all; more
    logins from a busy address wait behind its check, up to ``waiting_per_client``, and
    beyond that are refused at once (:func:`login_busy`), before any database work or
    password check. Free turns go round-robin: each address with a login waiting gets
    one before any address gets a second, so a flood from one address (or a few) adds
    at most a round of checks to a login from anywhere else, however many logins it
    keeps waiting. Logins waiting for a turn hold no thread, database connection or
    row. The database-counted throttle (:mod:`shopfloor.domain.throttle`) still counts
    every check, across processes; its refusals take their turn like checks do.

    Runs on the server's event loop; not thread-safe.
    """

    def __init__(
        self, checks: int = CHECKS_AT_ONCE, waiting_per_client: int = WAITING_PER_CLIENT
    ) -> None:
        self._free = checks
        self._waiting_per_client = waiting_per_client
        self._checking: set[str] = set()
        # Addresses with logins waiting, in the order their next turn comes.
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}

    @asynccontextmanager
    async def turn(self, client: str) -> AsyncIterator[None]:
        """Wait for ``client``'s turn to check a password, and hold it for the block."""
        outstanding = len(self._waiting.get(client, ())) + (client in self._checking)
        if outstanding > self._waiting_per_client:
            raise login_busy()
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(client, deque()).append(granted)
        self._hand_out()
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self._done(client)  # given the turn just as it was cancelled
            else:
                self._withdraw(client, granted)
            raise
        try:
            yield
        finally:
            self._done(client)

    def _hand_out(self) -> None:
        while self._free > 0:
            client = next((c for c in self._waiting if c not in self._checking), None)
            if client is None:
                return
            queue = self._waiting[client]
            granted = queue.popleft()
            if not queue:
                del self._waiting[client]
            self._checking.add(client)
            self._free -= 1
            granted.set_result(None)

    def _done(self, client: str) -> None:
        self._checking.discard(client)
        self._free += 1
        if client in self._waiting:
            # Logins that came while it was checking: behind every address waiting now.
            self._waiting[client] = self._waiting.pop(client)
        self._hand_out()

    def _withdraw(self, client: str, granted: asyncio.Future[None]) -> None:
        queue = self._waiting.get(client)
        if queue is not None and granted in queue:
            queue.remove(granted)
            if not queue:
                del self._waiting[client]
