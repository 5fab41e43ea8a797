"""Settings, read once from the environment, with defaults in the user's data dir.

- ``SHOPFLOOR_DATA_DIR``: where the SQLite files and the generated secret live.
- ``SHOPFLOOR_DATABASE_URL``: a SQLAlchemy URL; default a SQLite file in the data dir.
- ``SHOPFLOOR_SECRET_KEY``: signs API tokens; when unset, generated once and kept.
- ``SHOPFLOOR_IDLE_LOCK_SECONDS``: the TUI locks itself after this much idle time.
- ``SHOPFLOOR_CORS_ORIGINS``: comma-separated origins whose browser pages may call the
  API (e.g. the original web admin on its own origin); none by default.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

DEFAULT_IDLE_LOCK_SECONDS = 300


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key_value: str | None = field(default=None, repr=False)
    idle_lock_seconds: int = DEFAULT_IDLE_LOCK_SECONDS
    cors_origins: tuple[str, ...] = ()

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


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("SHOPFLOOR_DATA_DIR") or user_data_dir("shopfloor")).expanduser()
    url = env.get("SHOPFLOOR_DATABASE_URL") or f"sqlite:///{data_dir / 'shopfloor.sqlite3'}"
    idle = env.get("SHOPFLOOR_IDLE_LOCK_SECONDS", "")
    return Settings(
        data_dir=data_dir,
        database_url=url,
        secret_key_value=env.get("SHOPFLOOR_SECRET_KEY") or None,
        idle_lock_seconds=int(idle) if idle.isdigit() else DEFAULT_IDLE_LOCK_SECONDS,
        cors_origins=_origins(env.get("SHOPFLOOR_CORS_ORIGINS", "")),
    )


def _origins(raw: str) -> tuple[str, ...]:
    """``https://a.example, https://b.example`` as origins (no trailing slash, as browsers
    send them)."""
    return tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
