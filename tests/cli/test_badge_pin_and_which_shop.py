"""``user badge`` / ``user pin``, the terminal's throttle identity, and the line saying which
shop a command opened when it is not the one used last."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from shopfloor import which_shop
from shopfloor.config import Settings, SettingsError, load_settings

from .conftest import one_line_error, run, run_at_terminal


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo shop, made once by `shopfloor demo --no-tui` (each test gets a copy)."""
    data = tmp_path_factory.mktemp("demo") / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPFLOOR_")}
    made = run(["demo", "--no-tui"], {**env, "SHOPFLOOR_DATA_DIR": str(data)})
    assert made.returncode == 0, made.stderr
    return data / "demo.sqlite3"


@pytest.fixture
def demo(demo_file: Path) -> Callable[[dict[str, str]], Path]:
    """Put the test's data dir where `shopfloor demo` leaves it: the demo file, used last."""

    def make(env: dict[str, str]) -> Path:
        data = Path(env["SHOPFLOOR_DATA_DIR"])
        data.mkdir(parents=True, exist_ok=True)
        shutil.copy(demo_file, data / "demo.sqlite3")
        settings = load_settings(env)
        which_shop.remember(settings, settings.demo_database_url)  # as the demo command does
        return data / "demo.sqlite3"

    return make


def test_the_demo_command_records_itself_as_the_shop_used_last(env: dict[str, str]) -> None:
    assert run(["demo", "--no-tui"], env).returncode == 0
    settings = load_settings(env)
    assert which_shop.last_used(settings) == settings.demo_database_url


# --- which shop ------------------------------------------------------------------------------


def test_after_the_demo_a_command_on_the_default_shop_says_which_it_opened(
    env: dict[str, str], demo: Callable[[dict[str, str]], Path]
) -> None:
    demo_file = demo(env)
    default = Path(env["SHOPFLOOR_DATA_DIR"]) / "shopfloor.sqlite3"
    listed = run(["bike", "list"], env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr.splitlines() == [
        f"shop: {default} (new and empty; the demo is at {demo_file}: add --demo to use it)"
    ]
    # Empty beside the demo: said every time, not only the first.
    again = run(["audit", "verify"], env)
    assert again.stderr.startswith(f"shop: {default} (empty; the demo is at {demo_file}")
    assert "Audit clean: 0 tickets" in again.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["bike", "list", "--demo"],
        ["--demo", "bike", "list"],
        ["timers", "stale", "--demo"],
        ["audit", "verify", "--database", "sqlite:///{demo}"],
    ],
)
def test_demo_or_database_points_any_command_at_the_demo(
    env: dict[str, str], args: list[str], demo: Callable[[dict[str, str]], Path]
) -> None:
    demo_file = demo(env)
    done = run([a.replace("{demo}", str(demo_file)) for a in args], env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # the demo was the shop used last: nothing to say
    assert "RM-1001" in done.stdout or "No forgotten timers" in done.stdout or "28" in done.stdout
    assert not (Path(env["SHOPFLOOR_DATA_DIR"]) / "shopfloor.sqlite3").exists()


def test_switching_back_to_the_demo_names_it_once(
    env: dict[str, str], demo: Callable[[dict[str, str]], Path]
) -> None:
    demo_file = demo(env)
    run(["bike", "add", "RM-0001"], env)  # the default shop, now not empty
    assert run(["bike", "list"], env).stderr == ""  # the shop used last, not empty
    back = run(["bike", "list", "--demo"], env)
    assert back.stderr.splitlines() == [f"shop: {demo_file}"]
    assert run(["bike", "list", "--demo"], env).stderr == ""


def test_a_bad_database_option_is_one_line(env: dict[str, str]) -> None:
    line = one_line_error(run(["bike", "list", "--database", "mysql://x/y"], env))
    assert "--database 'mysql://x/y' uses mysql" in line
    line = one_line_error(run(["bike", "list", "--demo", "--database", "sqlite:///x"], env))
    assert "--demo or --database, not both" in line


# --- badge and PIN ---------------------------------------------------------------------------


def test_a_badge_and_pin_are_set_and_removed(
    env: dict[str, str], demo: Callable[[dict[str, str]], Path]
) -> None:
    demo(env)
    badge = run(["user", "badge", "tech1", "4711-AB", "--demo"], env)
    assert badge.returncode == 0, badge.stderr
    assert "Badge set for tech1; it logs them in once they have a PIN" in badge.stdout
    pin = run(["user", "pin", "tech1", "--pin-stdin", "--demo"], env, "2468\n")
    assert "PIN set for tech1: a badge scan and this PIN log them in." in pin.stdout
    again = run(["user", "badge", "tech1", "4711-AB", "--demo"], env)
    assert "a scan and their PIN log them in" in again.stdout
    assert (
        "Badge removed for tech1."
        in run(["user", "badge", "tech1", "--clear", "--demo"], env).stdout
    )
    assert (
        "PIN removed for tech1." in run(["user", "pin", "tech1", "--clear", "--demo"], env).stdout
    )


def test_the_pin_is_asked_twice_at_a_terminal(
    env: dict[str, str], demo: Callable[[dict[str, str]], Path]
) -> None:
    demo(env)
    code, output = run_at_terminal(["user", "pin", "tech2", "--demo"], env, ["1357\n", "1357\n"])
    assert code == 0, output
    assert "PIN set for tech2" in output
    code, output = run_at_terminal(["user", "pin", "tech2", "--demo"], env, ["1357\n", "1358\n"])
    assert code == 1
    assert "The PINs do not match; nothing was changed." in output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["user", "badge", "tech1"], "", "Give the badge code, or --clear"),
        (["user", "badge", "tech1", "RM-1001"], "", "may not start with RM-"),
        (["user", "badge", "tech1", "ab"], "", "4-64 characters"),
        (["user", "badge", "ghost", "4711-AB"], "", "No user named 'ghost'"),
        (["user", "pin", "tech1", "--pin-stdin"], "12\n", "A PIN is 4 to 8 digits"),
        (["user", "pin", "tech1"], "", "--pin-stdin"),
    ],
)
def test_badge_and_pin_errors_are_one_clear_line(
    env: dict[str, str],
    args: list[str],
    stdin: str,
    message: str,
    demo: Callable[[dict[str, str]], Path],
) -> None:
    demo(env)
    assert message in one_line_error(run([*args, "--demo"], env, stdin))


def test_a_badge_held_by_someone_else_is_refused(
    env: dict[str, str], demo: Callable[[dict[str, str]], Path]
) -> None:
    demo(env)
    assert run(["user", "badge", "tech1", "4711-AB", "--demo"], env).returncode == 0
    line = one_line_error(run(["user", "badge", "tech2", "4711-ab", "--demo"], env))
    assert "That badge already belongs to another user" in line


# --- the terminal's name for the throttle ---------------------------------------------------


def test_a_terminal_keeps_the_id_it_generated_and_adds_its_tty(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="sqlite:///x")
    first = settings.terminal_identity()
    assert first == settings.terminal_identity()
    kept = (tmp_path / "terminal_id").read_text(encoding="utf-8").strip()
    assert first.startswith(f"{kept}:")
    assert "@" in first  # and the host


def test_shopfloor_terminal_id_names_the_terminal(tmp_path: Path) -> None:
    settings = load_settings(
        {"SHOPFLOOR_DATA_DIR": str(tmp_path), "SHOPFLOOR_TERMINAL_ID": "bay-3"}
    )
    assert settings.terminal_identity().startswith("bay-3:")
    with pytest.raises(SettingsError, match=r"^SHOPFLOOR_TERMINAL_ID="):
        load_settings({"SHOPFLOOR_DATA_DIR": str(tmp_path), "SHOPFLOOR_TERMINAL_ID": "bay 3"})
