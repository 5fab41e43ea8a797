"""How long a client may take: deadlines on a request's headers and body, and on idling.

uvicorn reads headers and bodies with no time limit (it only limits the wait for the
next request on a kept-alive connection), so a client that sends half a request and
stalls, or trickles it a byte at a time (slowloris), holds a connection, and for a
body a request task too, for as long as it likes. The server runs uvicorn's httptools
protocol extended here (uvicorn takes a protocol class as its ``http`` option, and
gunicorn's uvicorn worker passes its ``CONFIG_KWARGS`` on to uvicorn), with one deadline
at a time per connection:

- from the connection, or from any byte that arrives between requests, until the
  request's headers are complete: ``header`` seconds;
- from then until its body is complete: ``body`` seconds, however steadily it trickles;
- after a response, until the next request's first byte: ``keep_alive`` (uvicorn's own
  keep-alive timer, given this value).

A connection whose deadline passes is closed without an answer: nothing was asked in
full, and a response written then could land in the middle of another one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]

from ..config import Settings


@dataclass(frozen=True)
class ConnectionLimits:
    """Seconds a client may take for a request's headers, its body, and between requests."""

    header: float
    body: float
    keep_alive: float

    @classmethod
    def of(cls, settings: Settings) -> ConnectionLimits:
        return cls(
            header=settings.header_timeout_seconds,
            body=settings.body_timeout_seconds,
            keep_alive=settings.keep_alive_seconds,
        )


class DeadlineProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request is too slow to arrive.

    ``connection_made``, ``data_received`` and ``connection_lost`` are asyncio's protocol
    interface; ``on_headers_complete`` and ``on_message_complete`` are httptools' parser
    callbacks, which uvicorn's protocol receives as its own parser's callback object
    (tests/api/test_connection_limits.py fails loudly if that changes).
    """

    limits: ClassVar[ConnectionLimits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._awaiting: str | None = None
        self._connection: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._connection = transport
        self._expire_in("header")

    def data_received(self, data: bytes) -> None:
        if self._deadline is None:
            # Bytes between requests begin the next head (or are noise before one): they
            # stop uvicorn's keep-alive timer, so the head's deadline starts now.
            self._expire_in("header")
        super().data_received(data)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._expire_in("body")

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._cancel_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    @property
    def awaiting(self) -> str | None:
        """What the running deadline waits for: ``"header"``, ``"body"``, or None."""
        return self._awaiting

    def _expire_in(self, part: str) -> None:
        self._cancel_deadline()
        seconds = self.limits.header if part == "header" else self.limits.body
        self._deadline = asyncio.get_running_loop().call_later(seconds, self._expired)
        self._awaiting = part

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self._awaiting = None

    def _expired(self) -> None:
        self._deadline = self._awaiting = None
        if self._connection is not None and not self._connection.is_closing():
            self._connection.close()


def uvicorn_options(limits: ConnectionLimits) -> dict[str, Any]:
    """What uvicorn is given, alone or in gunicorn's workers, to hold clients to ``limits``."""
    protocol = type("ShopfloorHttp", (DeadlineProtocol,), {"limits": limits})
    # uvicorn annotates timeout_keep_alive as int but only hands it to loop.call_later,
    # which takes fractions of a second as well.
    return {"http": protocol, "timeout_keep_alive": limits.keep_alive}


def worker_class(limits: ConnectionLimits) -> type[UvicornWorker]:
    """gunicorn's uvicorn worker, holding clients to ``limits`` (the worker's documented
    way to pass uvicorn options: its ``CONFIG_KWARGS``)."""
    options = {**UvicornWorker.CONFIG_KWARGS, **uvicorn_options(limits)}
    return type("ShopfloorWorker", (UvicornWorker,), {"CONFIG_KWARGS": options})
