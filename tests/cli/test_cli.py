"""The ``shopfloor`` command as a user runs it: real processes, a real database file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shopfloor.domain.database import head_revision

from ..databases import PostgresTemplate, _libpq, postgres_admin_url, skip_or_fail_without_postgres
from .conftest import one_line_error, run


def test_user_and_bike_administration(env: dict[str, str], tmp_path: Path) -> None:
    added = run(
        ["user", "add", "Maria", "--role", "master", "--first-name", "Maria", "--password-stdin"],
        env,
        "pw-12345\n",
    )
    assert added.returncode == 0, added.stderr
    assert "Created user Maria" in added.stdout
    assert (tmp_path / "data" / "shopfloor.sqlite3").exists()  # the embedded default

    listed = run(["user", "list"], env)
    assert "Maria" in listed.stdout
    assert "master" in listed.stdout

    assert run(["bike", "add", "rm-0001", "RM-0002"], env).returncode == 0
    assert run(["bike", "archive", "RM-0002"], env).returncode == 0
    bikes = run(["bike", "list"], env).stdout
    assert "RM-0001" in bikes
    assert "archived" in bikes
    assert run(["bike", "restore", "rm-0002"], env).returncode == 0
    assert "archived" not in run(["bike", "list"], env).stdout

    assert run(["user", "deactivate", "maria"], env).returncode == 0
    assert "[deactivated]" in run(["user", "list"], env).stdout


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["user", "add", "sam", "--role", "boss", "--password-stdin"],
            "pw-12345\n",
            "Unknown role 'boss'",
        ),
        (["user", "add", "sam", "--password-stdin"], "\n", "password is empty"),
        (["user", "add", "sam"], "", "--password-stdin"),
        (["bike", "add", "XX-1"], "", "is not valid"),
        (["bike", "archive", "RM-4040"], "", "No bike RM-4040"),
        (["user", "deactivate", "ghost"], "", "No user named 'ghost'"),
    ],
)
def test_errors_are_one_clear_line_and_a_non_zero_exit(
    env: dict[str, str], args: list[str], stdin: str, message: str
) -> None:
    assert message in one_line_error(run(args, env, stdin))


def test_unreachable_database_is_reported_plainly(env: dict[str, str]) -> None:
    env["SHOPFLOOR_DATABASE_URL"] = "postgresql://postgres@127.0.0.1:1/nowhere"
    line = one_line_error(run(["user", "list"], env))
    assert "Cannot use the database" in line
    assert "server is running" in line


def test_shared_postgres_must_be_upgraded_on_purpose(env: dict[str, str]) -> None:
    skip_or_fail_without_postgres()
    import psycopg

    admin = _libpq(postgres_admin_url())
    name = f"shopfloor_cli_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        env["SHOPFLOOR_DATABASE_URL"] = PostgresTemplate.url_for_admin(admin, name)
        refused = run(["user", "list"], env)
        assert refused.returncode != 0
        assert "run `shopfloor db upgrade` first" in refused.stderr

        upgraded = run(["db", "upgrade"], env)
        assert upgraded.returncode == 0, upgraded.stderr
        assert f"upgraded from empty to {head_revision()}" in upgraded.stdout
        assert "up to date" in run(["db", "upgrade"], env).stdout
        assert run(["bike", "add", "RM-0001"], env).returncode == 0
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def test_demo_shop_lives_in_its_own_file_and_is_made_once(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = run(["demo", "--no-tui"], env)
    assert first.returncode == 0, first.stderr
    assert "Demo shop created" in first.stdout
    assert str(tmp_path / "data" / "demo.sqlite3") in first.stdout
    assert "tech1" in first.stdout
    assert "password: demo" in first.stdout
    assert not (tmp_path / "data" / "shopfloor.sqlite3").exists()  # the real shop is untouched
    again = run(["demo", "--no-tui"], env)
    assert "already there" in again.stdout


def test_a_one_person_shop_allows_self_inspection(env: dict[str, str]) -> None:
    allowed = run(["rules", "self-inspection", "allow"], env)
    assert allowed.returncode == 0, allowed.stderr
    assert "may now pass or fail its QC" in allowed.stdout
    forbidden = run(["rules", "self-inspection", "forbid"], env)
    assert "Nobody may pass or fail QC on a ticket they worked on." in forbidden.stdout
    wrong = run(["rules", "self-inspection", "maybe"], env)
    assert wrong.returncode != 0
    assert "invalid choice" in wrong.stderr
    history = run(["rules", "history"], env).stdout
    assert "allow_self_inspection: yes -> no" in history
    back = run(["rules", "rollback", "2"], env)
    assert back.returncode == 0, back.stderr
    assert "Rules are as version 2 again (now version 4)." in back.stdout
    assert "Rolled back to version 2" in run(["rules", "history"], env).stdout
    missing = run(["rules", "rollback", "99"], env)
    assert "no rules version 99" in one_line_error(missing)
