"""Every way a shop can fail to start is one sentence on stderr and a non-zero exit.

Each test names the failure a newcomer met, runs the real command in a subprocess,
and checks the one line says what is wrong and what to do.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ..databases import PostgresTemplate
from .conftest import one_line_error, run

# Commands that open the shop; the TUI and the server fail before drawing or binding.
OPENING_COMMANDS = [
    ["user", "list"],
    ["bike", "add", "RM-0001"],
    ["tui"],
    ["serve", "--port", "1"],
    ["db", "current"],
    ["db", "upgrade"],
    ["audit", "verify"],
    ["audit", "rebuild"],
]


@pytest.mark.parametrize("args", OPENING_COMMANDS, ids=" ".join)
def test_a_file_that_is_not_a_database_is_named_in_one_line(
    env: dict[str, str], tmp_path: Path, args: list[str]
) -> None:
    junk = tmp_path / "shop.sqlite3"
    junk.write_text("these are my notes, not a database\n" * 200)
    env["SHOPFLOOR_DATABASE_URL"] = f"sqlite:///{junk}"
    line = one_line_error(run(args, env))
    assert f"{junk} is not a SQLite database" in line
    assert "SHOPFLOOR_DATABASE_URL" in line


@pytest.mark.parametrize("args", [["user", "list"], ["tui"], ["serve"]], ids=" ".join)
def test_a_data_dir_under_a_file_cannot_be_created_and_says_so(
    env: dict[str, str], tmp_path: Path, args: list[str]
) -> None:
    (tmp_path / "a-file").write_text("")
    env["SHOPFLOOR_DATA_DIR"] = str(tmp_path / "a-file" / "shop")
    line = one_line_error(run(args, env))
    assert "cannot be created (Not a directory)" in line
    assert "SHOPFLOOR_DATA_DIR" in line


def test_a_data_dir_inside_a_read_only_directory_cannot_be_created_and_says_so(
    env: dict[str, str], tmp_path: Path
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    env["SHOPFLOOR_DATA_DIR"] = str(locked / "shop")
    line = one_line_error(run(["user", "list"], env, as_plain_user=True))
    assert "cannot be created (Permission denied)" in line


def test_a_read_only_data_dir_is_refused_before_sqlite_fails_in_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert run(["bike", "add", "RM-0001"], env).returncode == 0
    data = Path(env["SHOPFLOOR_DATA_DIR"])
    for leftover in data.glob("*-[ws][ah][lm]"):  # -wal and -shm of a closed shop
        leftover.unlink()
    data.chmod(0o555)
    try:
        line = one_line_error(run(["bike", "list"], env, as_plain_user=True))
    finally:
        data.chmod(0o755)
    assert f"The directory {data} is read-only" in line


def test_a_read_only_database_file_says_read_only_not_try_again(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert run(["bike", "add", "RM-0001"], env).returncode == 0
    database = Path(env["SHOPFLOOR_DATA_DIR"]) / "shopfloor.sqlite3"
    database.chmod(0o444)
    for args in (["bike", "add", "RM-0002"], ["tui"]):
        line = one_line_error(run(args, env, as_plain_user=True))
        assert f"The database file {database} is read-only" in line
        assert "try again" not in line


def test_an_unsupported_url_scheme_names_the_supported_ones(env: dict[str, str]) -> None:
    env["SHOPFLOOR_DATABASE_URL"] = "mysql://shop@127.0.0.1/shop"
    line = one_line_error(run(["user", "list"], env))
    assert "SHOPFLOOR_DATABASE_URL" in line
    assert "uses mysql, which shopfloor does not support" in line
    assert "sqlite and postgresql" in line


def test_a_url_that_is_no_url_at_all_is_refused_in_one_line(env: dict[str, str]) -> None:
    env["SHOPFLOOR_DATABASE_URL"] = "not a url"
    assert "SHOPFLOOR_DATABASE_URL='not a url' is not a database URL" in one_line_error(
        run(["tui"], env)
    )


@pytest.mark.parametrize("port", ["99999", "0", "http"])
def test_serve_refuses_a_port_outside_1_to_65535(env: dict[str, str], port: str) -> None:
    line = one_line_error(run(["serve", "--port", port], env))
    assert f"'{port}' is not a port; use a number from 1 to 65535" in line


def test_serve_on_a_port_in_use_says_so_before_starting(env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line_error(run(["serve", "--port", str(port)], env))
    assert f"Cannot listen on 127.0.0.1:{port}" in line


def test_serve_refuses_an_empty_secret_key_file_at_start(env: dict[str, str]) -> None:
    data = Path(env["SHOPFLOOR_DATA_DIR"])
    data.mkdir()
    (data / "secret_key").write_text("\n")
    line = one_line_error(run(["serve", "--port", "1"], env))
    assert f"The secret key file {data / 'secret_key'} is empty" in line


def test_serve_refuses_an_unreadable_secret_key_file_at_start(env: dict[str, str]) -> None:
    data = Path(env["SHOPFLOOR_DATA_DIR"])
    data.mkdir()
    key = data / "secret_key"
    key.write_text("k" * 64)
    key.chmod(0o000)
    line = one_line_error(run(["serve", "--port", "1"], env, as_plain_user=True))
    assert f"The secret key file {key} cannot be read (Permission denied)" in line


@pytest.mark.parametrize(
    ("variable", "value", "accepted"),
    [
        ("SHOPFLOOR_IDLE_LOCK_SECONDS", "abc", "a whole number of seconds, or 0 or off"),
        ("SHOPFLOOR_IDLE_LOCK_SECONDS", "-5", "a whole number of seconds, or 0 or off"),
        ("SHOPFLOOR_DATABASE_URL", "sqlite://", "names no file"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    env: dict[str, str], variable: str, value: str, accepted: str
) -> None:
    env[variable] = value
    line = one_line_error(run(["user", "list"], env))
    assert line.startswith(f"shopfloor: {variable}={value!r} ")
    assert accepted in line


def test_usage_errors_are_one_line_too(env: dict[str, str]) -> None:
    line = one_line_error(run(["bike", "frobnicate"], env))
    assert "see shopfloor bike --help" in line


def test_db_backup_of_a_postgres_shop_points_to_pg_dump(
    env: dict[str, str], postgres_template: PostgresTemplate, tmp_path: Path
) -> None:
    with postgres_template.database(tmp_path) as url:
        env["SHOPFLOOR_DATABASE_URL"] = url
        line = one_line_error(run(["db", "backup", str(tmp_path / "x.sqlite3")], env))
    assert "for PostgreSQL use pg_dump (see the README, 'Checks and backups')" in line
