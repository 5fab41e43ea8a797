"""Settings, read once from the environment and checked at start, with defaults in the data dir.

- ``SHOPFLOOR_DATA_DIR``: where the SQLite files and the generated secret live.
- ``SHOPFLOOR_DATABASE_URL``: ``sqlite:///PATH`` or ``postgresql://…``; default a SQLite
  file in the data dir.
- ``SHOPFLOOR_SECRET_KEY``: signs API tokens; when unset, generated once and kept.
- ``SHOPFLOOR_IDLE_LOCK_SECONDS``: the TUI locks itself after this much idle time;
  ``0`` or ``off`` turns the lock off.
- ``SHOPFLOOR_ACCESS_TOKEN_SECONDS`` / ``SHOPFLOOR_REFRESH_TOKEN_SECONDS``: API token
  lifetimes (default a shift of 8 hours, and 7 days).
- ``SHOPFLOOR_TRUSTED_PROXIES``: addresses or networks (comma-separated) of reverse
  proxies whose ``X-Forwarded-For`` the API believes; empty by default.
- ``SHOPFLOOR_SCAN_PREFIX``: how a scanned bike code starts (default ``RM-``).
- ``SHOPFLOOR_SCAN_GAP_MS``: keys closer together than this are a scanner's burst (default 50).
- ``SHOPFLOOR_DOUBLE_TAP_MS``: a repeat of the same action on another ticket within this
  time is taken as a double tap and refused (default 400).
- ``SHOPFLOOR_TERMINAL_ID``: this terminal's name for the login throttle (default: an id
  generated once and kept in the data dir); the host and tty are added to it, so each
  terminal counts its own failed logins.

Every value is checked in :func:`load_settings`: a bad one raises :class:`SettingsError`,
whose message names the variable and says what it accepts. To add a setting, write a
parser (``str -> value``, raising ``ValueError`` with what is accepted), add a field to
:class:`Settings` and one ``_setting(...)`` line in :func:`load_settings`.
- ``SHOPFLOOR_CORS_ORIGINS``: comma-separated origins whose browser pages may call the
  API (e.g. the original web admin on its own origin); none by default.
- ``SHOPFLOOR_BOARD_TOKEN``: the token ``shopfloor board`` reads the wall board with
  (else ``--token-file``, else ``<data dir>/board_token``).
- The TUI's keys and theme are not settings but a file, config.toml: see
  :mod:`shopfloor.keymap`.
- ``SHOPFLOOR_HEADER_TIMEOUT_SECONDS`` / ``SHOPFLOOR_BODY_TIMEOUT_SECONDS`` /
  ``SHOPFLOOR_KEEP_ALIVE_SECONDS``: how long the API server waits for a request's
  headers (from the connection or the request's first byte), for its body (from the
  end of its headers) and for the next request on a kept-alive connection, before it
  closes the connection (default 10, 30 and 5 seconds).
"""

from __future__ import annotations

import ipaddress
import math
import os
import secrets
import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from platformdirs import user_data_dir

DEFAULT_IDLE_LOCK_SECONDS = 300
DEFAULT_ACCESS_TOKEN_SECONDS = 8 * 3600  # one shift
DEFAULT_REFRESH_TOKEN_SECONDS = 7 * 24 * 3600
MAX_TOKEN_SECONDS = 366 * 24 * 3600

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_SCAN_PREFIX = "RM-"
DEFAULT_SCAN_GAP_MS = 50
DEFAULT_DOUBLE_TAP_MS = 400
MIN_SECRET_KEY_LENGTH = 16
DEFAULT_HEADER_TIMEOUT_SECONDS = 10.0
DEFAULT_BODY_TIMEOUT_SECONDS = 30.0
DEFAULT_KEEP_ALIVE_SECONDS = 5.0
MAX_CONNECTION_SECONDS = 3600
# Backend name -> the drivers shopfloor is built and tested with.
SUPPORTED_DRIVERS: dict[str, frozenset[str]] = {
    "sqlite": frozenset({"sqlite", "sqlite+pysqlite"}),
    "postgresql": frozenset({"postgresql", "postgresql+psycopg"}),
    "postgres": frozenset({"postgres"}),  # an old spelling; psycopg 3 is used all the same
}
SUPPORTED_URLS = "sqlite:///PATH or postgresql://USER@HOST/DATABASE"

T = TypeVar("T")


class SettingsError(Exception):
    """A setting shopfloor cannot use; the message names the variable and what to do."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key_value: str | None = field(default=None, repr=False)
    # 0: never lock.
    idle_lock_seconds: int = DEFAULT_IDLE_LOCK_SECONDS
    access_token_seconds: int = DEFAULT_ACCESS_TOKEN_SECONDS
    refresh_token_seconds: int = DEFAULT_REFRESH_TOKEN_SECONDS
    trusted_proxies: tuple[Network, ...] = ()
    scan_prefix: str = DEFAULT_SCAN_PREFIX
    scan_gap_ms: int = DEFAULT_SCAN_GAP_MS
    double_tap_ms: int = DEFAULT_DOUBLE_TAP_MS
    cors_origins: tuple[str, ...] = ()
    header_timeout_seconds: float = DEFAULT_HEADER_TIMEOUT_SECONDS
    body_timeout_seconds: float = DEFAULT_BODY_TIMEOUT_SECONDS
    keep_alive_seconds: float = DEFAULT_KEEP_ALIVE_SECONDS
    # Over SSH an empty shop is not offered to whoever connects first (first-run screen).
    remote_terminal: bool = False
    board_token: str | None = field(default=None, repr=False)
    terminal_id: str | None = None

    def terminal_identity(self) -> str:
        """This terminal, for the login throttle: its id (``SHOPFLOOR_TERMINAL_ID``, else one
        generated once and kept in the data dir), the host and the tty.

        Terminals sharing a data dir (SSH sessions on one server) differ by tty. A data dir
        that cannot be written leaves the host and tty, which still tell terminals apart.
        """
        name = self.terminal_id or self._kept_terminal_id()
        try:
            tty = os.ttyname(sys.stdin.fileno())
        except (OSError, ValueError, AttributeError):  # no terminal (tests, pipes)
            tty = "-"
        return f"{name}:{tty}@{socket.gethostname()}"

    def _kept_terminal_id(self) -> str:
        path = self.data_dir / "terminal_id"
        try:
            kept = path.read_text(encoding="utf-8").strip()
            if kept:
                return kept
        except (OSError, UnicodeDecodeError):
            pass
        new = secrets.token_hex(8)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(new, encoding="utf-8")
        except OSError:
            return "unkept"
        return new

    @property
    def demo_database_url(self) -> str:
        """The demo shop lives in its own file, apart from the real shop's."""
        return f"sqlite:///{self.data_dir / 'demo.sqlite3'}"

    @property
    def is_default_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def idle_lock_enabled(self) -> bool:
        return self.idle_lock_seconds > 0

    def secret_key(self) -> str:
        """The token signing key: from the environment, else generated once and kept.

        A kept key that is empty, too short or unreadable raises :class:`SettingsError`:
        signing with it would fail (or be guessable) at every login instead.
        """
        if self.secret_key_value:
            return self.secret_key_value
        path = self.data_dir / "secret_key"
        if path.exists():
            return _read_secret_file(path)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingsError(data_dir_problem(self.data_dir, exc)) from exc
        key = secrets.token_urlsafe(48)
        # Exclusive create: if another process won the race, use its key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _read_secret_file(path)
        except OSError as exc:
            raise SettingsError(data_dir_problem(self.data_dir, exc)) from exc
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key)
        return key


def _read_secret_file(path: Path) -> str:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not text"
        raise SettingsError(
            f"The secret key file {path} cannot be read ({reason}); fix its permissions, "
            "or delete it to have a new one generated (API users then log in again)."
        ) from exc
    if len(key) < MIN_SECRET_KEY_LENGTH:
        state = "is empty" if not key else f"holds fewer than {MIN_SECRET_KEY_LENGTH} characters"
        raise SettingsError(
            f"The secret key file {path} {state}; delete it to have a new one generated "
            "(API users then log in again), or set SHOPFLOOR_SECRET_KEY."
        )
    return key


def data_dir_problem(data_dir: Path, exc: OSError) -> str:
    """One sentence on why the data directory cannot be used."""
    reason = exc.strerror or str(exc)
    return (
        f"The data directory {data_dir} cannot be used ({reason}); "
        "set SHOPFLOOR_DATA_DIR to a directory you can write to."
    )


# --- parsers: text -> value, or ValueError saying what is accepted ---------------------------


def parse_database_url(raw: str) -> str:
    """A URL for a backend shopfloor supports."""
    # Imported here, not above: the TUI's start-up path imports this module (issue 13).
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(raw)
    except ArgumentError:
        raise ValueError(f"is not a database URL; use {SUPPORTED_URLS}") from None
    backend = url.get_backend_name()
    if url.drivername not in SUPPORTED_DRIVERS.get(backend, frozenset()):
        raise ValueError(
            f"uses {url.drivername}, which shopfloor does not support; "
            f"the supported schemes are sqlite and postgresql ({SUPPORTED_URLS})"
        )
    if backend == "sqlite" and not url.database:
        raise ValueError("names no file; use sqlite:///PATH")
    return raw


def parse_idle_lock(raw: str) -> int:
    """Whole seconds, or ``0``/``off`` for no lock."""
    text = raw.strip().lower()
    if text in ("off", "0"):
        return 0
    if not text.isdigit():
        raise ValueError("must be a whole number of seconds, or 0 or off to never lock")
    return int(text)


def parse_token_seconds(raw: str) -> int:
    """A token lifetime: whole seconds, from one second to a year."""
    text = raw.strip()
    if not text.isdigit() or not 0 < int(text) <= MAX_TOKEN_SECONDS:
        raise ValueError(
            f"must be a whole number of seconds from 1 to {MAX_TOKEN_SECONDS} (a year); "
            "unset it for the default"
        )
    return int(text)


def parse_trusted_proxies(raw: str) -> tuple[Network, ...]:
    """Comma-separated IP addresses or networks."""
    networks: list[Network] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"names {item!r}, which is not an IP address or network; give a "
                "comma-separated list such as 127.0.0.1, 10.0.0.0/8"
            ) from None
    return tuple(networks)


def parse_scan_prefix(raw: str) -> str:
    """The characters a scanned code starts with (upper case, as scanners send them)."""
    text = raw.strip()
    if not text.isprintable() or any(c.isspace() for c in text):
        raise ValueError("must be printable characters without spaces, for example RM-")
    return text


def parse_terminal_id(raw: str) -> str:
    """A short name without spaces, such as ``bay-3``."""
    text = raw.strip()
    if len(text) > 40 or not text.isprintable() or any(c.isspace() for c in text):
        raise ValueError("must be a short name without spaces (at most 40 characters), e.g. bay-3")
    return text


def parse_milliseconds(raw: str) -> int:
    """A whole number of milliseconds, more than 0."""
    text = raw.strip()
    if not text.isdigit() or int(text) == 0:
        raise ValueError("must be a whole number of milliseconds, more than 0")
    return int(text)


def parse_connection_seconds(raw: str) -> float:
    """Seconds a client may take (fractions allowed), more than 0 and at most an hour."""
    try:
        seconds = float(raw.strip())
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_CONNECTION_SECONDS:  # also refuses nan
        raise ValueError(
            f"must be a number of seconds more than 0 and at most {MAX_CONNECTION_SECONDS}, "
            "such as 10 or 0.5; unset it for the default"
        )
    return seconds


def parse_cors_origins(raw: str) -> tuple[str, ...]:
    """Comma-separated origins, ``scheme://host[:port]``, as browsers send them."""
    origins: list[str] = []
    for item in (part.strip().rstrip("/") for part in raw.split(",")):
        if not item:
            continue
        scheme, sep, host = item.partition("://")
        if scheme not in ("http", "https") or not sep or not host or "/" in host:
            raise ValueError(
                f"names {item!r}, which is not an origin; give a comma-separated list "
                "such as https://admin.example, http://10.0.0.5:3000"
            )
        origins.append(item)
    return tuple(origins)


def _setting(env: Mapping[str, str], name: str, parse: Callable[[str], T], default: T) -> T:
    """``env[name]`` parsed, or ``default`` when unset or empty; a bad value names ``name``."""
    raw = env.get(name, "")
    if not raw.strip():
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} {exc}.") from None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``env`` (default: the process environment); raises SettingsError."""
    env = os.environ if env is None else env
    data_dir = _setting(
        env,
        "SHOPFLOOR_DATA_DIR",
        lambda raw: Path(raw).expanduser(),
        Path(user_data_dir("shopfloor")),
    )
    url = _setting(
        env,
        "SHOPFLOOR_DATABASE_URL",
        parse_database_url,
        f"sqlite:///{data_dir / 'shopfloor.sqlite3'}",
    )
    return Settings(
        data_dir=data_dir,
        database_url=url,
        secret_key_value=_setting(env, "SHOPFLOOR_SECRET_KEY", str.strip, None),
        idle_lock_seconds=_setting(
            env, "SHOPFLOOR_IDLE_LOCK_SECONDS", parse_idle_lock, DEFAULT_IDLE_LOCK_SECONDS
        ),
        access_token_seconds=_setting(
            env, "SHOPFLOOR_ACCESS_TOKEN_SECONDS", parse_token_seconds, DEFAULT_ACCESS_TOKEN_SECONDS
        ),
        refresh_token_seconds=_setting(
            env,
            "SHOPFLOOR_REFRESH_TOKEN_SECONDS",
            parse_token_seconds,
            DEFAULT_REFRESH_TOKEN_SECONDS,
        ),
        trusted_proxies=_setting(env, "SHOPFLOOR_TRUSTED_PROXIES", parse_trusted_proxies, ()),
        scan_prefix=_setting(env, "SHOPFLOOR_SCAN_PREFIX", parse_scan_prefix, DEFAULT_SCAN_PREFIX),
        scan_gap_ms=_setting(env, "SHOPFLOOR_SCAN_GAP_MS", parse_milliseconds, DEFAULT_SCAN_GAP_MS),
        double_tap_ms=_setting(
            env, "SHOPFLOOR_DOUBLE_TAP_MS", parse_milliseconds, DEFAULT_DOUBLE_TAP_MS
        ),
        cors_origins=_setting(env, "SHOPFLOOR_CORS_ORIGINS", parse_cors_origins, ()),
        header_timeout_seconds=_setting(
            env,
            "SHOPFLOOR_HEADER_TIMEOUT_SECONDS",
            parse_connection_seconds,
            DEFAULT_HEADER_TIMEOUT_SECONDS,
        ),
        body_timeout_seconds=_setting(
            env,
            "SHOPFLOOR_BODY_TIMEOUT_SECONDS",
            parse_connection_seconds,
            DEFAULT_BODY_TIMEOUT_SECONDS,
        ),
        keep_alive_seconds=_setting(
            env,
            "SHOPFLOOR_KEEP_ALIVE_SECONDS",
            parse_connection_seconds,
            DEFAULT_KEEP_ALIVE_SECONDS,
        ),
        # SHOPFLOOR_REMOTE: set by `shopfloor web` for a browser's session.
        remote_terminal=any(
            env.get(name)
            for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY", "SHOPFLOOR_REMOTE")
        ),
        board_token=_setting(env, "SHOPFLOOR_BOARD_TOKEN", str.strip, None),
        terminal_id=_setting(env, "SHOPFLOOR_TERMINAL_ID", parse_terminal_id, None),
    )
