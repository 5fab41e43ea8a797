"""Idle and slow clients are cut off: a real `shopfloor serve`, one process or gunicorn workers.

The limits are configured very short (0.2 s) so a test can wait for the server to close
the connection: it waits on the socket, never on a sleep. A connection still open after
``CLOSED_WITHIN`` (far above 0.2 s, below uvicorn's own 5 s keep-alive) was not cut off
by these limits, and the test fails.
"""

from __future__ import annotations

import asyncio
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from uvicorn.server import ServerState

from shopfloor.api.connections import ConnectionLimits, uvicorn_options
from shopfloor.config import SettingsError, load_settings

from ..databases import SqliteTemplate
from .conftest import start_server, stop_server

LIMIT = "0.2"
CLOSED_WITHIN = 4.0
LIMITS = {
    "SHOPFLOOR_HEADER_TIMEOUT_SECONDS": LIMIT,
    "SHOPFLOOR_BODY_TIMEOUT_SECONDS": LIMIT,
    "SHOPFLOOR_KEEP_ALIVE_SECONDS": LIMIT,
}
HEALTH = b"GET /api/v1/misc/health/ HTTP/1.1\r\nHost: shop\r\n\r\n"


@pytest.fixture(scope="module", params=[1, 2], ids=["uvicorn", "gunicorn-workers"])
def address(
    request: pytest.FixtureRequest,
    sqlite_template: SqliteTemplate,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, int]]:
    directory = tmp_path_factory.mktemp("limits")
    with sqlite_template.database(directory) as url:
        proc, base = start_server(url, directory, workers=request.param, settings=LIMITS)
        try:
            parts = urlsplit(base)
            assert parts.hostname is not None
            assert parts.port is not None
            yield parts.hostname, parts.port
        finally:
            stop_server(proc)
    log = (directory / "server.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-4000:]


@pytest.fixture
def client(address: tuple[str, int]) -> Iterator[socket.socket]:
    with socket.create_connection(address) as sock:
        sock.settimeout(CLOSED_WITHIN)
        yield sock


def wait_until_closed(sock: socket.socket) -> bytes:
    """What the server sends until it closes the connection; fails if it keeps it open."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the server still holds the connection open after {CLOSED_WITHIN} s")
    return received


def response(sock: socket.socket) -> tuple[bytes, bytes]:
    """One whole response (status line, body) read off a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection mid-response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(
        int(line.split(b":", 1)[1]) for line in lines if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        body += chunk
    assert len(body) == length  # nothing more: the next response is not sent yet
    return lines[0], body


def test_a_client_that_sends_half_a_header_and_stalls_is_disconnected(
    client: socket.socket,
) -> None:
    client.sendall(b"GET /api/v1/misc/health/ HTTP/1.1\r\nHost: shop\r\nAccept: appl")
    assert wait_until_closed(client) == b""


def test_a_client_that_connects_and_sends_nothing_is_disconnected(client: socket.socket) -> None:
    assert wait_until_closed(client) == b""


def test_a_body_sent_slower_than_allowed_is_cut_off_however_steadily_it_trickles(
    client: socket.socket,
) -> None:
    client.sendall(
        b"POST /api/v1/auth/verify/ HTTP/1.1\r\nHost: shop\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
    )
    # A byte every 50 ms keeps an inactivity timeout from ever firing; the body's
    # deadline still passes. Between bytes the client waits on the socket, not a clock.
    give_up = time.monotonic() + CLOSED_WITHIN
    while time.monotonic() < give_up:
        try:
            client.sendall(b" ")
        except (BrokenPipeError, ConnectionResetError):
            return
        readable, _, _ = select.select([client], [], [], 0.05)
        if readable and wait_until_closed(client) == b"":
            return
    pytest.fail(f"the server still reads a trickling body after {CLOSED_WITHIN} s")


def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout(
    client: socket.socket,
) -> None:
    client.sendall(HEALTH)
    assert response(client) == (b"HTTP/1.1 200 OK", b'{"status":"ok"}')
    assert wait_until_closed(client) == b""


def test_a_client_keeping_its_connection_alive_is_served_request_after_request(
    client: socket.socket,
) -> None:
    refused = b'{"token": "not-a-token"}'
    verify = (
        b"POST /api/v1/auth/verify/ HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(refused)).encode() + b"\r\n\r\n"
    )
    for _ in range(3):
        client.sendall(HEALTH)
        assert response(client) == (b"HTTP/1.1 200 OK", b'{"status":"ok"}')
        # The head, then the body in a second write: each arrives as fast as the network
        # allows, which is all the limits ask.
        client.sendall(verify)
        client.sendall(refused)
        status, body = response(client)
        assert status == b"HTTP/1.1 401 Unauthorized"
        assert b'"error":"token_not_valid"' in body


class _Transport(asyncio.Transport):
    """Just enough of a connection for uvicorn's protocol: it keeps what is written."""

    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def test_the_deadlines_follow_a_request_through_uvicorns_parser() -> None:
    """The limits hook into uvicorn's protocol: asyncio's connection callbacks and the
    httptools parser callbacks uvicorn's protocol receives as its parser's callback
    object. This fails loudly if uvicorn stops calling them on the protocol."""
    answered = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        answered.set()

    options = uvicorn_options(ConnectionLimits(header=60, body=60, keep_alive=60))
    config = uvicorn.Config(app, log_config=None, **options)
    protocol = options["http"](config=config, server_state=ServerState(), app_state={})
    transport = _Transport()
    protocol.connection_made(transport)
    assert protocol.awaiting == "header"
    protocol.data_received(b"POST / HTTP/1.1\r\nHost: shop\r\nContent-")
    assert protocol.awaiting == "header"
    protocol.data_received(b"Length: 2\r\n\r\n{")
    assert protocol.awaiting == "body"
    protocol.data_received(b"}")
    assert protocol.awaiting is None
    await answered.wait()
    assert transport.written.startswith(b"HTTP/1.1 204 ")
    protocol.data_received(b"\r\n")  # noise between requests starts the head's deadline
    assert protocol.awaiting == "header"
    protocol.connection_lost(None)
    assert protocol.awaiting is None


def test_the_limits_default_to_10_30_and_5_seconds_and_take_fractions(tmp_path: Path) -> None:
    assert ConnectionLimits.of(load_settings({"SHOPFLOOR_DATA_DIR": str(tmp_path)})) == (
        ConnectionLimits(header=10, body=30, keep_alive=5)
    )
    assert ConnectionLimits.of(load_settings({"SHOPFLOOR_DATA_DIR": str(tmp_path), **LIMITS})) == (
        ConnectionLimits(header=0.2, body=0.2, keep_alive=0.2)
    )


@pytest.mark.parametrize("name", sorted(LIMITS))
@pytest.mark.parametrize("bad", ["0", "-1", "soon", "nan", "inf", "3601"])
def test_a_limit_that_is_not_a_positive_number_of_seconds_stops_the_start(
    tmp_path: Path, name: str, bad: str
) -> None:
    with pytest.raises(SettingsError, match=rf"^{name}='{bad}' must be a number of seconds more"):
        load_settings({"SHOPFLOOR_DATA_DIR": str(tmp_path), name: bad})
