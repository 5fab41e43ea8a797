"""``shopfloor board`` (the wall board), ``board token``, ``board rules`` and ``shopfloor web``.

What an operator does once: ``shopfloor board token`` on the machine that drives the
TV (it writes the new token to ``<data dir>/board_token``, readable by that user
only), then ``shopfloor board`` there reads it. A TV with only a browser opens
``/board?token=...`` of ``shopfloor web`` instead. Rotating the token (running the
command again) locks every board out until it has the new one.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli_shop import with_shop as _with_shop
from .config import Settings

if TYPE_CHECKING:
    from .domain import Shop

TOKEN_FILE = "board_token"  # noqa: S105 - a file name
PERIODS = ("today", "week", "shift")


def default_token_file(settings: Settings) -> Path:
    return settings.data_dir / TOKEN_FILE


def board_token(settings: Settings, token_file: str | None) -> str:
    """The token this board reads with: ``--token-file``, else ``SHOPFLOOR_BOARD_TOKEN``,
    else the file ``shopfloor board token`` wrote into the data directory."""
    # StartupError (not cli.CliError): `python -m shopfloor.cli` runs cli as __main__,
    # whose CliError would be another class than the one imported here.
    from .bootstrap import StartupError as CliError

    if token_file is None and settings.board_token:
        return settings.board_token
    path = Path(token_file).expanduser() if token_file else default_token_file(settings)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise CliError(
            f"No board token at {path}; run `shopfloor board token` once on this machine "
            "(or set SHOPFLOOR_BOARD_TOKEN, or pass --token-file)."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not text"
        raise CliError(f"The board token file {path} cannot be read ({reason}).") from exc
    if not token:
        raise CliError(f"The board token file {path} is empty; run `shopfloor board token`.")
    return token


def write_token_file(path: Path, token: str) -> None:
    """Write ``token`` readable by this user only, replacing the file in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.new")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token + "\n")
    partial.replace(path)


def cmd_board(settings: Settings, args: argparse.Namespace) -> int:
    from .board.app import BoardApp
    from .domain.board import Period, check_board_token
    from .keymap import load_ui_config

    ui = load_ui_config(settings.data_dir)  # config.toml's [keys] moves the board's too
    token = board_token(settings, args.token_file)

    def run(shop: Shop) -> int:
        check_board_token(shop, token)  # refused: one line, before the screen is taken
        app = BoardApp(shop, token, page_seconds=args.page_seconds, period=Period(args.period))
        app.set_keymap(dict(ui.keymap))
        app.run()
        return 0

    return _with_shop(settings, run)


def cmd_board_token(settings: Settings, args: argparse.Namespace) -> int:
    from .domain.board import rotate_board_token

    def run(shop: Shop) -> int:
        token = rotate_board_token(shop, None)
        if not args.no_file:
            path = Path(args.file).expanduser() if args.file else default_token_file(settings)
            write_token_file(path, token)
            print(f"New board token written to {path} (`shopfloor board` reads it there).")
        print(token)
        print(
            "Any board with the old token stops; a browser board opens "
            "http://HOST:PORT/board?token=<token> on `shopfloor web`."
        )
        return 0

    return _with_shop(settings, run)


def cmd_board_rules(settings: Settings, args: argparse.Namespace) -> int:
    from .domain.board import board_rules, set_board_rules

    def run(shop: Shop) -> int:
        changes: dict[str, Any] = {}
        if args.daily_target is not None:
            changes["daily_target"] = args.daily_target
        if args.shift_start is not None:
            changes["shift_start"] = (
                None if args.shift_start.lower() == "none" else args.shift_start
            )
        if args.long_pause is not None:
            changes["long_pause_minutes"] = args.long_pause
        rules = set_board_rules(shop, None, **changes) if changes else board_rules(shop)
        start = rules.shift_start.strftime("%H:%M") if rules.shift_start else "none"
        made = rules.token_set_at.strftime("%Y-%m-%d %H:%M UTC") if rules.token_set_at else "none"
        print(f"daily target: {rules.daily_target or 'none'}")
        print(f"shift start:  {start}")
        print(f"long pause:   {rules.long_pause_minutes} minutes")
        print(f"board token:  {'made ' + made if rules.token_set_at else 'none yet'}")
        return 0

    return _with_shop(settings, run)


def cmd_web(settings: Settings, args: argparse.Namespace) -> int:
    from .keymap import load_ui_config
    from .web import serve_web

    # Each browser session runs the TUI with config.toml: a bad one stops the server here,
    # not every session as it opens.
    load_ui_config(settings.data_dir)
    serve_web(settings, host=args.host, port=args.port, max_sessions=args.max_sessions)
    return 0


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{raw!r} is not 0 to 3600 seconds (0: never turn)")
    return value


def _whole(most: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not raw.isdigit() or int(raw) > most:
            raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number from 0 to {most}")
        return int(raw)

    return parse


def add_board_commands(sub: Any, port_number: Callable[[str], int]) -> None:
    """Add ``board`` (with ``token`` and ``rules``) and ``web`` to the ``shopfloor`` parser."""
    board = sub.add_parser("board", help="the wall board for the workshop's TV (read-only)")
    board.add_argument(
        "--token-file", metavar="PATH", help="read the board token from PATH "
        "(default: SHOPFLOOR_BOARD_TOKEN, else <data dir>/board_token)",
    )  # fmt: skip
    board.add_argument(
        "--page-seconds", type=_seconds, default=20.0, metavar="N",
        help="turn the page every N seconds (default 20; 0: only the space key turns it)",
    )  # fmt: skip
    board.add_argument("--period", choices=PERIODS, default="today", help="to start with")
    board.set_defaults(func=cmd_board)
    actions = board.add_subparsers(metavar="ACTION")
    token = actions.add_parser("token", help="make a new board token (the old one stops)")
    where = token.add_mutually_exclusive_group()
    where.add_argument("--file", metavar="PATH", help="write it here (default <data dir>)")
    where.add_argument("--no-file", action="store_true", help="only print it")
    token.set_defaults(func=cmd_board_token)
    rules = actions.add_parser("rules", help="show or set the daily target and the shift")
    rules.add_argument("--daily-target", type=_whole(10_000), metavar="N", help="0: none")
    rules.add_argument("--shift-start", metavar="HH:MM", help="local time; 'none' removes it")
    rules.add_argument(
        "--long-pause", type=_whole(1440), metavar="MIN", help="mark pauses this long (default 15)"
    )
    rules.set_defaults(func=cmd_board_rules)

    web = sub.add_parser("web", help="serve the terminal UI and the board to browsers")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=port_number, default=8080)
    web.add_argument(
        "--max-sessions", type=_whole(500), default=50, metavar="N",
        help="browser sessions at once (each runs its own app process; default 50)",
    )  # fmt: skip
    web.set_defaults(func=cmd_web)
