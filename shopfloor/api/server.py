"""Running the API: uvicorn for one worker, gunicorn with uvicorn workers for more.

uvicorn's own multi-process mode binds a socket whose accepted connections do not
get TCP_NODELAY, so small keep-alive responses wait on Nagle's algorithm (uvicorn
#3149). gunicorn sets TCP_NODELAY on its listening socket, which accepted
connections inherit, so several workers are never slower than one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from ..bootstrap import open_shop
from ..config import Settings
from .app import create_app


def build_app(settings: Settings) -> FastAPI:
    """A fresh shop and app (one per worker process: engines must not cross a fork)."""
    return create_app(open_shop(settings.database_url), settings)


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


def serve(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    """Serve the v1 API on ``host:port`` until interrupted."""
    # Migrate (SQLite) or check the schema, and settle the secret key, once up front,
    # so workers neither race to migrate nor sign with different keys.
    open_shop(settings.database_url).dispose()
    settings.secret_key()
    if workers <= 1:
        app = build_app(settings)
        try:
            # proxy_headers off: the app alone decides whom to believe about
            # X-Forwarded-For (SHOPFLOOR_TRUSTED_PROXIES), not uvicorn's default list.
            uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
        finally:
            app.state.api.shop.dispose()
        return
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "uvicorn_worker.UvicornWorker",
        "keepalive": 5,
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-",
        "preload_app": False,
        # Trust no proxy at the server level (see proxy_headers above).
        "forwarded_allow_ips": "",
    }
    _Gunicorn(lambda: build_app(settings), options).run()
