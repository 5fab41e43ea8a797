"""``shopfloor web``: the terminal UI and the wall board in a browser, with textual-serve.

Each browser session gets its own app process (``shopfloor tui`` or ``shopfloor
board``), driven over a websocket by textual-serve's page script:

- ``/``: the terminal UI behind its own login screen (a browser is a remote
  terminal, like SSH: an empty shop is not offered to whoever connects first);
- ``/board?token=TOKEN``: the wall board. The token is checked here, then kept in a
  cookie (HttpOnly) so the page's address no longer shows it; the board's process
  reads with it and nothing else.

Every URL the page uses is relative to it, so a reverse proxy may serve it under
any host, scheme or path (docs/board.md has an nginx example).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from .config import Settings
from .domain import AuthenticationFailed, DomainError, Shop

log = logging.getLogger("shopfloor.web")

BOARD_COOKIE = "shopfloor_board"
TEMPLATES = Path(__file__).parent / "web_templates"
# A TV at 1920x1080 then shows about 114 x 32 cells: the board's digits read across a room.
BOARD_FONT_SIZE = 28
TUI_FONT_SIZE = 16


def app_command(*args: str) -> str:
    """The shell command of one session's app process (this Python, this shopfloor)."""
    return shlex.join([sys.executable, "-m", "shopfloor.cli", *args])


class SessionService(AppService):
    """textual-serve's app process, with a few variables of its own in the environment."""

    def __init__(self, command: str, extra_env: dict[str, str], **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self.extra_env = extra_env

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return {**super()._build_environment(width, height), **self.extra_env}


@dataclass(frozen=True)
class Launch:
    """What a websocket starts: the command and its environment."""

    command: str
    env: dict[str, str]


class ShopfloorWeb(Server):
    """textual-serve's server with two apps (the TUI at ``/``, the board at ``/board``),
    the board's token check, a cap on sessions, and a page that needs no internet."""

    def __init__(
        self,
        shop: Shop,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        max_sessions: int = 50,
        check_token: Callable[[Shop, str], None] | None = None,
    ) -> None:
        super().__init__(app_command("tui"), host=host, port=port, title="shopfloor")
        self.shop = shop
        self.max_sessions = max_sessions
        self.sessions = 0
        if check_token is None:
            from .domain.board import check_board_token

            check_token = check_board_token
        self._check_token = check_token

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES))
        app.add_routes(
            [
                web.get("/", self.tui_page),
                web.get("/ws", self.tui_socket),
                web.get("/board", self.board_page),
                web.get("/board/ws", self.board_socket),
                web.static("/static", self.statics_path),
            ]
        )
        return app

    # --- pages ----------------------------------------------------------------------------

    def _page(self, request: web.Request, title: str, font_size: int) -> web.Response:
        size = request.query.get("fontsize", "")
        context = {
            "title": title,
            "static": "static/",
            "font_size": int(size) if size.isdigit() and 6 <= int(size) <= 96 else font_size,
        }
        return aiohttp_jinja2.render_template("session.html", request, context)

    async def tui_page(self, request: web.Request) -> web.Response:
        return self._page(request, "shopfloor", TUI_FONT_SIZE)

    async def board_page(self, request: web.Request) -> web.StreamResponse:
        offered = request.query.get("token")
        if offered is not None:
            refused = await self._refusal(offered)
            if refused is not None:
                return _refused_page(refused)
            # Keep it in a cookie and drop it from the address bar (and from history).
            response = web.HTTPSeeOther(location=request.path)
            response.set_cookie(
                BOARD_COOKIE,
                offered.strip(),
                httponly=True,
                samesite="Strict",
                secure=_is_https(request),
                max_age=10 * 365 * 24 * 3600,
            )
            return response
        refused = await self._refusal(request.cookies.get(BOARD_COOKIE, ""))
        if refused is not None:
            return _refused_page(refused)
        return self._page(request, "shopfloor board", BOARD_FONT_SIZE)

    async def _refusal(self, token: str) -> str | None:
        """Why ``token`` may not read the board, or ``None`` when it may."""
        if not token.strip():
            return (
                "This board has no token. Open /board?token=TOKEN once, with the token "
                "`shopfloor board token` printed."
            )
        try:
            await asyncio.to_thread(self._check_token, self.shop, token)
        except AuthenticationFailed as exc:
            return exc.message
        except DomainError as exc:
            return f"The board cannot be checked now: {exc.message}"
        return None

    # --- sessions ---------------------------------------------------------------------------

    async def tui_socket(self, request: web.Request) -> web.StreamResponse:
        # A browser is a remote terminal: the first-run offer stays at the shop's own screen.
        return await self._session(request, Launch(app_command("tui"), {"SHOPFLOOR_REMOTE": "1"}))

    async def board_socket(self, request: web.Request) -> web.StreamResponse:
        token = request.cookies.get(BOARD_COOKIE, "")
        if await self._refusal(token) is not None:
            raise web.HTTPUnauthorized(text="The board token is missing or not valid.")
        launch = Launch(app_command("board"), {"SHOPFLOOR_BOARD_TOKEN": token.strip()})
        return await self._session(request, launch)

    async def _session(self, request: web.Request, launch: Launch) -> web.StreamResponse:
        """One browser session: its own app process for as long as the websocket lives."""
        if self.sessions >= self.max_sessions:
            raise web.HTTPServiceUnavailable(
                text=f"{self.max_sessions} sessions are open, the most this server allows."
            )
        socket = web.WebSocketResponse(heartbeat=15)
        await socket.prepare(request)
        width = _whole(request.query.get("width"), 80)
        height = _whole(request.query.get("height"), 24)
        self.sessions += 1
        service = SessionService(
            launch.command,
            launch.env,
            write_bytes=socket.send_bytes,
            write_str=socket.send_str,
            close=socket.close,
            download_manager=self.download_manager,
            debug=False,
        )
        try:
            await service.start(width, height)
            try:
                await self._process_messages(socket, service)
            finally:
                await service.stop()
        except asyncio.CancelledError:
            await socket.close()
        except Exception:  # one broken session must not stop the others
            log.exception("a browser session failed")
        finally:
            self.sessions -= 1
        return socket

    # --- running ----------------------------------------------------------------------------

    def run(self, on_ready: Callable[[], Awaitable[None]] | None = None) -> None:
        """Serve until SIGINT or SIGTERM; a port that cannot be listened on raises OSError."""

        async def make() -> web.Application:
            app = await self._make_app()
            if on_ready is not None:
                app.on_startup.append(lambda _app: on_ready())
            return app

        web.run_app(make(), host=self.host, port=self.port, print=None, handle_signals=True)


def _whole(raw: str | None, default: int) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 10_000 else default


def _is_https(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"


def _refused_page(message: str) -> web.Response:
    body = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<title>shopfloor board</title></head>"
        "<body style='background:#121212;color:#ff7a8a;font:28px monospace;padding:48px'>"
        f"<p>{_escape(message)}</p></body></html>"
    )
    return web.Response(status=401, text=body, content_type="text/html")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def serve_web(settings: Settings, *, host: str, port: int, max_sessions: int) -> None:
    """Open the shop (a database that cannot be reached stops here, in one line), then
    serve browsers until interrupted."""
    from .bootstrap import StartupError, open_shop

    shop = open_shop(settings.database_url)
    server = ShopfloorWeb(shop, host=host, port=port, max_sessions=max_sessions)

    async def ready() -> None:
        print(
            f"shopfloor web on http://{host}:{port}/ (the terminal UI) and "
            f"http://{host}:{port}/board?token=TOKEN (the wall board); ctrl+c stops it.",
            flush=True,
        )

    try:
        server.run(on_ready=ready)
    except OSError as exc:
        raise StartupError(
            f"Cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port "
            "or stop what uses it."
        ) from exc
    finally:
        with contextlib.suppress(Exception):
            shop.dispose()
