"""The demo shop has every status with real histories; settings come from one place."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from shopfloor.config import load_settings
from shopfloor.demo import build_demo
from shopfloor.domain import (
    Shop,
    authenticate,
    current_work_session,
    derived_worked_seconds,
    list_bikes,
    list_tickets,
    list_work_sessions,
)
from shopfloor.domain.database import create_db_engine, upgrade

from ..conftest import fast_hasher


def test_demo_has_every_status_and_consistent_timers(sqlite_url: str) -> None:
    shop = Shop(create_db_engine(sqlite_url), hasher=fast_hasher())
    now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    try:
        summary = build_demo(shop, now)
        assert summary.created
        counts = {
            s: list_tickets(shop, status=s).total_count
            for s in ("new", "assigned", "in_progress", "waiting_qc", "rework", "done")
        }
        assert all(counts.values()), counts
        assert list_bikes(shop, archived=True).total_count == 2
        assert list_bikes(shop, per_page=100).total_count == 40
        assert authenticate(shop, "tech1", "demo").role_slugs == ("technician",)

        running = list_tickets(shop, status="in_progress").items
        states = {current_work_session(shop, t.id).status for t in running}  # type: ignore[union-attr]
        assert states == {"running", "paused"}
        for ticket in list_tickets(shop, status="done", per_page=50).items:
            for session in list_work_sessions(shop, ticket.id):
                assert session.active_seconds == derived_worked_seconds(shop, session.id)
        assert not build_demo(shop, now).created  # a second run leaves it alone
    finally:
        shop.dispose()


def test_settings_defaults_live_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"SHOPFLOOR_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'shopfloor.sqlite3'}"
    assert settings.demo_database_url == f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    key = settings.secret_key()
    assert len(key) > 40
    assert settings.secret_key() == key  # generated once, kept across restarts
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert (
        load_settings(
            {"SHOPFLOOR_DATA_DIR": str(tmp_path), "SHOPFLOOR_SECRET_KEY": "k"}
        ).secret_key()
        == "k"
    )


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()
