"""``shopfloor config check`` / ``config keys``, and a bad config.toml stopping the TUI,
as processes: "ok" or one line on stderr naming the file and the entry."""

from __future__ import annotations

from pathlib import Path

from .conftest import one_line_error, run


def write_config(env: dict[str, str], text: str) -> Path:
    path = Path(env["XDG_CONFIG_HOME"]) / "shopfloor" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_config_check_says_ok_for_a_good_file_and_lists_the_moved_key(
    env: dict[str, str],
) -> None:
    path = write_config(env, '[keys]\nwork.pause = "o"\n[theme]\nname = "shopfloor-mono"\n')
    checked = run(["config", "check"], env)
    assert (checked.returncode, checked.stdout.strip()) == (0, f"ok ({path})")
    listed = run(["config", "keys"], env)
    assert listed.returncode == 0
    pause = next(line.split() for line in listed.stdout.splitlines() if "work.pause" in line)
    assert pause == ["work.pause", "p", "o"]  # id, default, current


def test_config_check_of_a_path_names_the_file_and_the_entry_in_one_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "keys.toml"
    bad.write_text('[keys]\nwork.pause = "s"\n', encoding="utf-8")
    line = one_line_error(run(["config", "check", str(bad)], env))
    assert line == (
        f'shopfloor: {bad}: [keys] work.pause = "s": s is also work.start on my work; '
        "give one of them another key."
    )
    good = tmp_path / "good.toml"
    good.write_text('[keys]\napp.logout = "ctrl+l"\n', encoding="utf-8")
    assert run(["config", "check", str(good)], env).stdout == "ok\n"


def test_the_tui_does_not_start_with_a_bad_config_file(env: dict[str, str]) -> None:
    path = write_config(env, '[theme]\nname = "neon"\n')
    line = one_line_error(run(["tui"], env))
    assert line.startswith(f'shopfloor: {path}: [theme] name = "neon": there is no such theme')
    assert line == one_line_error(run(["config", "check"], env))
    assert line == one_line_error(run(["web", "--port", "1"], env))  # before it listens
