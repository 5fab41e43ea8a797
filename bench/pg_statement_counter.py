"""Count the SQL statements any server sends PostgreSQL: a small TCP proxy in between.

It speaks just enough of the PostgreSQL wire protocol (v3) to count what clients ask
for: each simple query (``Q``) and each extended-protocol ``Execute`` (``E``) counts as
one statement, tallied by its first SQL word (SELECT, INSERT, BEGIN, ...) from the
``Parse`` that prepared it. Everything else passes through untouched. It offers no
TLS: an ``SSLRequest`` (or ``GSSENCRequest``) is refused with ``N``, as a server without
TLS would, and the client carries on in plain text (``sslmode=prefer``, libpq's default).

    python bench/pg_statement_counter.py --listen 127.0.0.1:6543 \\
        --upstream 127.0.0.1:5432 [--control 127.0.0.1:6544]

Point the server under test at the listen address instead of PostgreSQL's (same user,
password and database). Read the counts with ``printf 'get\\n' | nc 127.0.0.1 6544`` (a
JSON line) and zero them with ``reset`` (answers the counts before zeroing); SIGUSR1
prints them to stderr and zeroes them. From Python: :class:`CounterProxy` (``start()``
runs it in a background thread; ``snapshot()``, ``reset()``; ``record()`` keeps each
statement's SQL, parameter types and bound values until ``stop_recording()``, which is
how ``bench/floor.py`` replays what a server sent).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import struct
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

SSL_REQUEST, GSSENC_REQUEST = 80877103, 80877104


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


Params = tuple[bytes | None, ...]


@dataclass(frozen=True)
class Statement:
    """One counted statement as the client sent it: its SQL (``$n`` placeholders), the
    parameter types it was prepared with (OIDs, 0 = let the server infer), and the
    values bound to it (None for NULL) with each value's format (0 text, 1 binary)."""

    sql: str
    params: Params = ()
    formats: tuple[int, ...] = ()
    types: tuple[int, ...] = ()
    simple: bool = False  # sent as a simple query (``Q``), not prepared


def _parse_types(rest: bytes) -> tuple[int, ...]:
    """The parameter type OIDs of a ``Parse`` message, from just after its query."""
    (count,) = struct.unpack_from("!h", rest, 0)
    return struct.unpack_from(f"!{count}I", rest, 2)


def _bind_params(rest: bytes) -> tuple[Params, tuple[int, ...]]:
    """The values of a ``Bind`` message and each one's format, from just after its
    statement name."""
    (count,) = struct.unpack_from("!h", rest, 0)
    codes = struct.unpack_from(f"!{count}h", rest, 2)
    at = 2 + 2 * count
    (count,) = struct.unpack_from("!h", rest, at)
    at += 2
    params: list[bytes | None] = []
    for _ in range(count):
        (length,) = struct.unpack_from("!i", rest, at)
        at += 4
        params.append(None if length < 0 else rest[at : at + length])
        at += max(length, 0)
    # No codes: all text; one code: it applies to every value.
    formats = codes if len(codes) == count else (codes[0] if codes else 0,) * count
    return tuple(params), tuple(formats)


def _verb(sql: str) -> str:
    words = sql.lstrip(" \t\r\n(").split(None, 1)
    verb = words[0].upper().rstrip(";") if words else ""
    return verb or "(empty)"  # e.g. ";", SQLAlchemy's pool pre-ping on psycopg


class CounterProxy:
    """The proxy: listens on ``listen``, forwards to ``upstream``, counts statements."""

    def __init__(self, listen: tuple[str, int], upstream: tuple[str, int],
                 control: tuple[str, int] | None = None) -> None:  # fmt: skip
        self.listen = listen
        self.upstream = upstream
        self.control = control
        self.counts: Counter[str] = Counter()
        self.sql: list[Statement] | None = None  # what was sent, while recording
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self.port = listen[1]

    # --- counts ---

    def _count(self, kind: str, sql: str, types: tuple[int, ...] = (), params: Params = (),
               formats: tuple[int, ...] = ()) -> None:  # fmt: skip
        with self._lock:
            self.counts["total"] += 1
            self.counts[kind] += 1
            self.counts[_verb(sql)] += 1
            if self.sql is not None:
                self.sql.append(Statement(sql, params, formats, types, kind == "simple"))

    def record(self) -> list[Statement]:
        """From now on keep each counted statement (SQL text and bound parameters, in
        order) in the returned list, until :meth:`stop_recording`."""
        with self._lock:
            self.sql = []
            return self.sql

    def stop_recording(self) -> None:
        with self._lock:
            self.sql = None

    def snapshot(self) -> dict[str, int]:
        """``total``, ``simple`` (Q), ``extended`` (E) and one entry per SQL verb."""
        with self._lock:
            return {"total": 0, **dict(self.counts)}

    def reset(self) -> dict[str, int]:
        """Zero the counts; what they were."""
        with self._lock:
            before = {"total": 0, **dict(self.counts)}
            self.counts.clear()
            return before

    # --- protocol ---

    async def _client_to_server(self, reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter,
                                upstream: asyncio.StreamWriter) -> None:  # fmt: skip
        # Start-up: untyped messages (length, code) until the StartupMessage itself.
        while True:
            head = await reader.readexactly(8)
            length, code = struct.unpack("!II", head)
            body = await reader.readexactly(length - 8)
            if code in (SSL_REQUEST, GSSENC_REQUEST):
                writer.write(b"N")  # no TLS here; the client goes on in plain text
                await writer.drain()
                continue
            upstream.write(head + body)
            await upstream.drain()
            break
        statements: dict[bytes, tuple[str, tuple[int, ...]]] = {}  # name -> (sql, types)
        portals: dict[bytes, tuple[Any, ...]] = {}  # -> (sql, types, params, formats)
        while True:
            head = await reader.readexactly(5)
            kind, length = head[:1], struct.unpack("!I", head[1:])[0]
            body = await reader.readexactly(length - 4)
            if kind == b"Q":
                self._count("simple", body.rstrip(b"\0").decode(errors="replace"))
            elif kind == b"P":
                name, _, rest = body.partition(b"\0")
                query, _, rest = rest.partition(b"\0")
                statements[name] = (query.decode(errors="replace"), _parse_types(rest))
            elif kind == b"B":
                portal, _, rest = body.partition(b"\0")
                name, _, rest = rest.partition(b"\0")
                sql, types = statements.get(name, ("", ()))
                recording = self.sql is not None
                portals[portal] = (sql, types, *_bind_params(rest)) if recording else (sql,)
            elif kind == b"E":
                self._count("extended", *portals.get(body.partition(b"\0")[0], ("",)))
            upstream.write(head + body)
            if kind in (b"S", b"H", b"Q", b"X") or len(body) > 65536:
                await upstream.drain()
            if kind == b"X":
                return

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        tasks = [
            asyncio.create_task(self._client_to_server(reader, writer, up_writer)),
            asyncio.create_task(self._pump(up_reader, writer)),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            pass  # the proxy is stopping with this session still open
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for w in (writer, up_writer):
                w.close()

    async def _control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                command = line.strip().decode(errors="replace").lower()
                counts = self.reset() if command == "reset" else self.snapshot()
                writer.write((json.dumps(counts) + "\n").encode())
                await writer.drain()
        finally:
            writer.close()

    async def serve(self) -> None:
        """Serve until :meth:`stop` (or cancellation)."""
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._session, *self.listen)
        self.port = server.sockets[0].getsockname()[1]
        servers = [server]
        if self.control:
            servers.append(await asyncio.start_server(self._control, *self.control))
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            for s in servers:
                s.close()

    # --- in a thread, for library use ---

    def start(self) -> CounterProxy:
        """Run in a daemon thread; returns once it listens (``port`` is then known,
        also when ``listen`` asked for port 0)."""
        self._thread = threading.Thread(target=lambda: asyncio.run(self.serve()), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the statement counter did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)


def control(address: tuple[str, int], command: str = "get") -> dict[str, Any]:
    """Ask a running counter's control port for its counts (``get``) or to ``reset``."""
    import socket

    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(command.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    result: dict[str, Any] = json.loads(data)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=_address, default=("127.0.0.1", 6543))
    parser.add_argument("--upstream", type=_address, default=("127.0.0.1", 5432))
    parser.add_argument("--control", type=_address, help="host:port answering get / reset")
    args = parser.parse_args(argv)
    proxy = CounterProxy(args.listen, args.upstream, args.control)

    def report(*_: Any) -> None:
        print(json.dumps(proxy.reset()), file=sys.stderr, flush=True)

    signal.signal(signal.SIGUSR1, report)
    print(f"counting statements on {args.listen[0]}:{args.listen[1]} -> "
          f"{args.upstream[0]}:{args.upstream[1]}", file=sys.stderr, flush=True)  # fmt: skip
    try:
        asyncio.run(proxy.serve())
    except KeyboardInterrupt:
        report()


if __name__ == "__main__":
    main()
