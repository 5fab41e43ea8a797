"""Settings, read once from the environment, with defaults in the user's data dir.

- ``SHOPFLOOR_DATA_DIR``: where the SQLite files and the generated secret live.
- ``SHOPFLOOR_DATABASE_URL``: a SQLAlchemy URL; default a SQLite file in the data dir.
- ``SHOPFLOOR_SECRET_KEY``: signs API tokens; when unset, generated once and kept.
- ``SHOPFLOOR_IDLE_LOCK_SECONDS``: the TUI locks itself after this much idle time.
- ``SHOPFLOOR_ACCESS_TOKEN_SECONDS`` / ``SHOPFLOOR_REFRESH_TOKEN_SECONDS``: API token
  lifetimes (default a shift of 8 hours, and 7 days).
- ``SHOPFLOOR_TRUSTED_PROXIES``: addresses or networks (comma-separated) of reverse
  proxies whose ``X-Forwarded-For`` the API believes; empty by default.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

DEFAULT_IDLE_LOCK_SECONDS = 300
DEFAULT_ACCESS_TOKEN_SECONDS = 8 * 3600  # one shift
DEFAULT_REFRESH_TOKEN_SECONDS = 7 * 24 * 3600
MAX_TOKEN_SECONDS = 366 * 24 * 3600

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingsError(ValueError):
    """A setting in the environment has a value shopfloor cannot use; names the variable."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key_value: str | None = field(default=None, repr=False)
    idle_lock_seconds: int = DEFAULT_IDLE_LOCK_SECONDS
    access_token_seconds: int = DEFAULT_ACCESS_TOKEN_SECONDS
    refresh_token_seconds: int = DEFAULT_REFRESH_TOKEN_SECONDS
    trusted_proxies: tuple[Network, ...] = ()

    @property
    def demo_database_url(self) -> str:
        """The demo shop lives in its own file, apart from the real shop's."""
        return f"sqlite:///{self.data_dir / 'demo.sqlite3'}"

    @property
    def is_default_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def secret_key(self) -> str:
        """The token signing key: from the environment, else generated once and kept."""
        if self.secret_key_value:
            return self.secret_key_value
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        # Exclusive create: if another process won the race, use its key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip()
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key)
        return key


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) <= MAX_TOKEN_SECONDS:
        raise SettingsError(
            f"{name} must be a whole number of seconds from 1 to {MAX_TOKEN_SECONDS} "
            f"(a year), not {raw!r}; unset it for the default of {default}."
        )
    return int(raw)


def _networks(env: Mapping[str, str], name: str) -> tuple[Network, ...]:
    networks: list[Network] = []
    for item in env.get(name, "").split(","):
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise SettingsError(
                f"{name}: {item.strip()!r} is not an IP address or network; give a "
                "comma-separated list such as '127.0.0.1, 10.0.0.0/8'."
            ) from None
    return tuple(networks)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``env`` (default: the process environment).

    Raises :class:`SettingsError` naming the variable when a value is unusable.
    """
    env = os.environ if env is None else env
    data_dir = Path(env.get("SHOPFLOOR_DATA_DIR") or user_data_dir("shopfloor")).expanduser()
    url = env.get("SHOPFLOOR_DATABASE_URL") or f"sqlite:///{data_dir / 'shopfloor.sqlite3'}"
    idle = env.get("SHOPFLOOR_IDLE_LOCK_SECONDS", "")
    return Settings(
        data_dir=data_dir,
        database_url=url,
        secret_key_value=env.get("SHOPFLOOR_SECRET_KEY") or None,
        idle_lock_seconds=int(idle) if idle.isdigit() else DEFAULT_IDLE_LOCK_SECONDS,
        access_token_seconds=_seconds(
            env, "SHOPFLOOR_ACCESS_TOKEN_SECONDS", DEFAULT_ACCESS_TOKEN_SECONDS
        ),
        refresh_token_seconds=_seconds(
            env, "SHOPFLOOR_REFRESH_TOKEN_SECONDS", DEFAULT_REFRESH_TOKEN_SECONDS
        ),
        trusted_proxies=_networks(env, "SHOPFLOOR_TRUSTED_PROXIES"),
    )
