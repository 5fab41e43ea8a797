"""Migrations: empty to head, models and migrations agree, and back down to base."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from shopfloor.domain.database import (
    SCHEMA_HEAD,
    create_db_engine,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from shopfloor.domain.models import Base

from ..databases import PostgresTemplate, skip_or_fail_without_postgres

EXPECTED_TABLES = {
    "bikes",
    "roles",
    "users",
    "user_roles",
    "tickets",
    "ticket_transitions",
    "work_sessions",
    "work_session_events",
    "xp_ledger",
    "workshop_rules",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no schema at all)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    skip_or_fail_without_postgres()
    import psycopg

    from ..databases import _libpq, postgres_admin_url

    admin = _libpq(postgres_admin_url())
    name = f"shopfloor_empty_{tmp_path.name[-12:].replace('-', '_').lower()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    yield PostgresTemplate.url_for_admin(admin, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def test_upgrade_from_empty_to_head_then_down_to_base(empty_url: str) -> None:
    engine = create_db_engine(empty_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert set(sa.inspect(engine).get_table_names()) >= EXPECTED_TABLES
        with engine.connect() as conn:
            roles = set(conn.execute(sa.text("SELECT slug FROM roles")).scalars())
            rules = conn.execute(sa.text("SELECT * FROM workshop_rules")).mappings().one()
        assert roles == {"super_admin", "ops_manager", "master", "technician", "qc_inspector"}
        assert (rules["checklist_min_items"], rules["xp_srt_divisor"]) == (10, 20)
        assert rules["xp_first_pass_bonus"] == 1

        downgrade(engine)
        assert current_revision(engine) is None
        assert not EXPECTED_TABLES & set(sa.inspect(engine).get_table_names())
        upgrade(engine)  # and the chain replays cleanly
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_autogenerate_finds_no_difference_between_models_and_migrations(empty_url: str) -> None:
    engine = create_db_engine(empty_url)
    try:
        upgrade(engine)
        with engine.connect() as conn, warnings.catch_warnings():
            # SQLite cannot reflect expression indexes; alembic warns and skips that one.
            warnings.simplefilter("ignore")
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_partial_unique_indexes_exist_in_the_database(empty_url: str) -> None:
    engine = create_db_engine(empty_url)
    try:
        upgrade(engine)
        inspector = sa.inspect(engine)
        unique = {
            ix["name"]
            for table in ("tickets", "work_sessions")
            for ix in inspector.get_indexes(table)
            if ix["unique"]
        }
        assert {
            "uq_tickets_active_bike",
            "uq_tickets_in_progress_technician",
            "uq_work_sessions_open_ticket",
            "uq_work_sessions_open_technician",
        } <= unique
    finally:
        engine.dispose()


def test_the_schema_head_a_shop_is_opened_against_is_alembics_head() -> None:
    assert head_revision() == SCHEMA_HEAD


def test_opening_a_migrated_shop_does_not_load_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    check = (
        "import sys\n"
        "from shopfloor.bootstrap import open_shop\n"
        f"open_shop({url!r})\n"
        "print('alembic' in sys.modules)\n"
    )
    first = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    )
    again = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    )
    assert first.stdout.strip() == "True"  # a new file is migrated
    assert again.stdout.strip() == "False"  # at head: compared without Alembic
