"""Which shop a command opens, said when it is not the one used last.

After ``shopfloor demo`` a user who runs ``shopfloor bike list`` expects the demo, but
gets the configured shop (by default an empty file of its own). So every command that
opens a shop records it in the data dir, and a command opening another one first says
on stderr which it opened, whether it is empty, and how to reach the demo instead.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .config import Settings

LAST_SHOP_FILE = "last_shop"


def _safe(url: str) -> str:
    """``url`` without its password (what is recorded and shown). No SQLAlchemy here:
    the terminal UI records its shop too, and it paints before SQLAlchemy is imported."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _sqlite_file(url: str) -> Path | None:
    from .bootstrap import sqlite_path

    return sqlite_path(url)


def last_used(settings: Settings) -> str | None:
    """The shop (its URL without password) a command last opened, if any was recorded."""
    try:
        return (settings.data_dir / LAST_SHOP_FILE).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def remember(settings: Settings, url: str) -> None:
    """Record ``url`` as the shop used last (quietly skipped where the data dir is read-only)."""
    with contextlib.suppress(OSError):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        (settings.data_dir / LAST_SHOP_FILE).write_text(_safe(url) + "\n", encoding="utf-8")


def _is_empty(path: Path) -> bool | None:
    """Whether the SQLite shop at ``path`` has no users and no bikes (None: cannot tell).

    Read-only, so looking never creates or changes anything.
    """
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            users = conn.execute("SELECT EXISTS (SELECT 1 FROM users)").fetchone()[0]
            bikes = conn.execute("SELECT EXISTS (SELECT 1 FROM bikes)").fetchone()[0]
    except sqlite3.Error:
        return None
    return not users and not bikes


def describe(settings: Settings, url: str) -> tuple[str, bool]:
    """``shop: <where> (empty; the demo is at <path>: add --demo to use it)``, as much as
    applies, and whether that shop is empty while the demo is elsewhere."""
    path = _sqlite_file(url)
    where = str(path) if path is not None else _safe(url)
    notes: list[str] = []
    empty = False
    if path is not None:
        if not path.exists():
            notes.append("new and empty")
            empty = True
        elif _is_empty(path):
            notes.append("empty")
            empty = True
    demo = _sqlite_file(settings.demo_database_url)
    has_demo = demo is not None and demo != path and demo.exists()
    if has_demo:
        notes.append(f"the demo is at {demo}: add --demo to use it")
    line = f"shop: {where}" + (f" ({'; '.join(notes)})" if notes else "")
    return line, empty and has_demo


def announce(settings: Settings, url: str) -> str | None:
    """The line to print before a command opens ``url``: when another shop was used last,
    or when this one is empty and the demo is elsewhere. None otherwise (a first command
    on a machine without a demo has nothing to be confused with)."""
    last = last_used(settings)
    line, empty_beside_demo = describe(settings, url)
    if empty_beside_demo or (last is not None and last != _safe(url)):
        return line
    return None
