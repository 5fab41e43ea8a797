"""Running the API: uvicorn for one worker, gunicorn with uvicorn workers for more.

Either way the server stops cleanly on SIGHUP (the terminal closed), SIGINT and
SIGTERM, and says so in one line. gunicorn's master takes SIGHUP as "reload"; here
it stops instead, so a server never outlives the terminal that started it.

uvicorn's own multi-process mode binds a socket whose accepted connections do not
get TCP_NODELAY, so small keep-alive responses wait on Nagle's algorithm (uvicorn
#3149). gunicorn sets TCP_NODELAY on its listening socket, which accepted
connections inherit, so several workers are never slower than one.

Either way, clients that are too slow to send a request, or idle too long between
two, are cut off (:mod:`.connections`).
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
from gunicorn.arbiter import Arbiter  # type: ignore[import-untyped]

from ..bootstrap import StartupError, open_shop
from ..config import Settings
from .app import create_app
from .connections import ConnectionLimits, uvicorn_options, worker_class

STOP_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)


def build_app(settings: Settings) -> FastAPI:
    """A fresh shop and app (one per worker process: engines must not cross a fork)."""
    app = create_app(open_shop(settings.database_url), settings)
    # Everything loaded so far (modules, the app, its routes and models) lives as long as
    # the process: set aside from the garbage collector, whose full passes would
    # otherwise walk it again and again while requests wait.
    gc.collect()
    gc.freeze()
    return app


def _worker_app(settings: Settings) -> FastAPI:
    """A gunicorn worker's app. A closing terminal sends SIGHUP to every process in its
    group; a worker leaves it to the master, which then stops the workers gracefully
    (finishing their requests) instead of each dying mid-request."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    return build_app(settings)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn driven from code, loading the app in each worker after the fork."""

    def __init__(self, factory: Callable[[], FastAPI], options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> FastAPI:
        return self._factory()


class _StoppingArbiter(Arbiter):  # type: ignore[misc]
    """gunicorn's master, but SIGHUP stops it (gracefully, like SIGTERM) instead of reloading."""

    stopped_by: str | None = None

    def handle_hup(self) -> None:
        self.stopped_by = "SIGHUP"
        raise StopIteration

    def handle_term(self) -> None:
        self.stopped_by = "SIGTERM"
        super().handle_term()

    def handle_int(self) -> None:
        self.stopped_by = "SIGINT"
        super().handle_int()


def check_port_free(host: str, port: int) -> None:
    """Fail now, in one sentence, when ``host:port`` cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise StartupError(
            f"Cannot listen on {host}:{port} ({exc.strerror or exc}); "
            "choose another --port or --host, or stop whatever is using it."
        ) from exc


def _stopped(signame: str | None) -> None:
    print(f"shopfloor serve: stopped ({signame or 'shut down'}).", file=sys.stderr, flush=True)


def _serve_one(app: FastAPI, host: str, port: int, limits: ConnectionLimits) -> None:
    """uvicorn in this process; SIGHUP stops it like SIGINT and SIGTERM do."""
    # proxy_headers off: the app alone decides whom to believe about X-Forwarded-For
    # (SHOPFLOOR_TRUSTED_PROXIES), not uvicorn's default list of local addresses.
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=False,
        **uvicorn_options(limits),
    )
    server = uvicorn.Server(config)
    received: list[int] = []

    def stop(sig: int, frame: FrameType | None) -> None:
        # uvicorn handles SIGINT/SIGTERM itself while serving and raises them again
        # once it has shut down; they land here then, and are only noted.
        received.append(sig)
        server.handle_exit(sig, frame)

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not server.started:
        raise StartupError(f"The server could not start on {host}:{port}; see the log above.")
    _stopped(signal.Signals(received[0]).name if received else None)


def serve(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    """Serve the v1 API on ``host:port`` until interrupted."""
    # Migrate (SQLite) or check the schema, and settle the secret key, once up front,
    # so workers neither race to migrate nor sign with different keys.
    open_shop(settings.database_url).dispose()
    settings.secret_key()
    check_port_free(host, port)
    limits = ConnectionLimits.of(settings)
    if workers <= 1:
        app = build_app(settings)
        try:
            _serve_one(app, host, port, limits)
        finally:
            app.state.api.shop.dispose()
        return
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        # Also sets the keep-alive timeout (gunicorn's own "keepalive" is whole seconds).
        "worker_class": worker_class(limits),
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-",
        "preload_app": False,
        # Trust no proxy at the server level (see _serve_one).
        "forwarded_allow_ips": "",
    }
    application = _Gunicorn(lambda: _worker_app(settings), options)
    arbiter = _StoppingArbiter(application)
    master = os.getpid()
    try:
        arbiter.run()
    except RuntimeError as exc:
        raise StartupError(f"The server could not start: {exc}.") from exc
    except SystemExit as exc:
        if os.getpid() != master:
            raise  # a worker (forked inside run()) leaving: it has nothing to say
        if exc.code not in (0, None):
            raise StartupError(
                f"The server's workers could not start (gunicorn exit {exc.code}); "
                "see the log above."
            ) from exc
    _stopped(arbiter.stopped_by)
