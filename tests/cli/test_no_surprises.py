"""Commands that cannot surprise: nothing half done, nothing asked before it is needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopfloor.config import DEFAULT_IDLE_LOCK_SECONDS, SettingsError, load_settings
from shopfloor.domain.database import head_revision

from .conftest import one_line_error, run, run_at_terminal


def test_user_roles_without_a_role_is_an_error_and_changes_nothing(env: dict[str, str]) -> None:
    assert run(["user", "add", "maria", "--role", "master", "--password-stdin"], env, "pw-1234\n")
    line = one_line_error(run(["user", "roles", "maria"], env))
    assert "one of the arguments --role --none is required" in line
    assert "master" in run(["user", "list"], env).stdout


def test_user_roles_none_clears_every_role_on_purpose(env: dict[str, str]) -> None:
    run(["user", "add", "maria", "--role", "master", "--password-stdin"], env, "pw-1234\n")
    cleared = run(["user", "roles", "maria", "--none"], env)
    assert cleared.returncode == 0, cleared.stderr
    assert "maria now holds: no role" in cleared.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["user", "add", "sam", "--role", "nope"], "Unknown role 'nope'"),
        (["user", "add", "s"], "Username must be 2-150 characters"),
        (["user", "add", "MARIA", "--role", "technician"], "Username 'maria' is taken"),
        (["user", "add", "sam", "--first-name", "Sam\udcff"], "first_name contains a control"),
    ],
)
def test_user_add_refuses_bad_arguments_before_asking_for_a_password(
    env: dict[str, str], args: list[str], message: str
) -> None:
    run(["user", "add", "maria", "--password-stdin"], env, "pw-1234\n")
    # No --password-stdin and no terminal: asking for a password first would fail
    # with "No terminal to ask for the password" instead of naming the bad argument.
    assert message in one_line_error(run(args, env))


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (["RM-1001", "RM-1002", "rm-1001"], "Bike RM-1001 is listed twice. No bike was added."),
        (["RM-1001", "XX-1", "RM-1003"], "Bike code 'XX-1' is not valid"),
        (["RM-1001", "RM-0001"], "Bike RM-0001 already exists. No bike was added."),
    ],
)
def test_bike_add_is_all_or_nothing_naming_the_code_that_failed(
    env: dict[str, str], codes: list[str], message: str
) -> None:
    assert run(["bike", "add", "RM-0001"], env).returncode == 0
    line = one_line_error(run(["bike", "add", *codes], env))
    assert message in line
    listed = run(["bike", "list"], env).stdout
    assert "RM-1001" not in listed
    assert "RM-0001" in listed


def test_db_current_on_a_fresh_install_creates_no_file(env: dict[str, str]) -> None:
    data = Path(env["SHOPFLOOR_DATA_DIR"])
    result = run(["db", "current"], env)
    assert result.returncode == 0, result.stderr
    assert f"No database at {data / 'shopfloor.sqlite3'} yet" in result.stdout
    assert f"creates it at revision {head_revision()}" in result.stdout
    assert not data.exists()
    assert "run `shopfloor db upgrade`" not in result.stdout  # SQLite migrates itself


def test_db_current_on_an_opened_shop_reports_the_revision(env: dict[str, str]) -> None:
    run(["bike", "add", "RM-0001"], env)
    result = run(["db", "current"], env)
    assert f"revision {head_revision()}, up to date" in result.stdout


@pytest.mark.parametrize(("raw", "seconds"), [("0", 0), ("off", 0), ("OFF", 0), ("90", 90)])
def test_idle_lock_accepts_seconds_or_0_or_off(raw: str, seconds: int) -> None:
    settings = load_settings({"SHOPFLOOR_DATA_DIR": "/x", "SHOPFLOOR_IDLE_LOCK_SECONDS": raw})
    assert settings.idle_lock_seconds == seconds
    assert settings.idle_lock_enabled is (seconds > 0)


def test_idle_lock_unset_is_the_default() -> None:
    settings = load_settings({"SHOPFLOOR_DATA_DIR": "/x"})
    assert settings.idle_lock_seconds == DEFAULT_IDLE_LOCK_SECONDS


@pytest.mark.parametrize("raw", ["abc", "-1", "1.5", "5 minutes"])
def test_idle_lock_refuses_anything_else_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match=r"^SHOPFLOOR_IDLE_LOCK_SECONDS="):
        load_settings({"SHOPFLOOR_DATA_DIR": "/x", "SHOPFLOOR_IDLE_LOCK_SECONDS": raw})


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////srv/shop.sqlite3",
        "postgresql://shop@db/shop",
        "postgresql+psycopg://shop@db/shop",
        "postgres://shop@db/shop",
    ],
)
def test_supported_database_urls_are_accepted(url: str) -> None:
    assert load_settings({"SHOPFLOOR_DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize(
    "url", ["mysql://a@b/c", "oracle://a@b/c", "postgresql+asyncpg://a@b/c", "sqlite://"]
)
def test_unsupported_database_urls_are_refused_naming_the_variable(url: str) -> None:
    with pytest.raises(SettingsError, match=r"^SHOPFLOOR_DATABASE_URL="):
        load_settings({"SHOPFLOOR_DATABASE_URL": url})


def test_user_add_at_a_terminal_asks_twice_and_creates_the_user(env: dict[str, str]) -> None:
    code, output = run_at_terminal(
        ["user", "add", "ivan", "--role", "technician"], env, ["pw-1234\n", "pw-1234\n"]
    )
    assert code == 0, output
    assert "Password:" in output
    assert "Repeat password:" in output
    assert "Created user ivan" in output


def test_ctrl_d_at_the_password_prompt_is_one_line_not_a_traceback(env: dict[str, str]) -> None:
    code, output = run_at_terminal(["user", "add", "ivan"], env, ["\x04"])
    assert code == 1
    assert "Traceback" not in output
    assert output.strip().endswith("shopfloor: No password was typed; nothing was changed.")


def test_two_different_passwords_change_nothing(env: dict[str, str]) -> None:
    code, output = run_at_terminal(["user", "add", "ivan"], env, ["pw-1234\n", "pw-9999\n"])
    assert code == 1
    assert "The passwords do not match; nothing was changed." in output
    assert "ivan" not in run(["user", "list"], env).stdout
