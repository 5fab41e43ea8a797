"""``shopfloor board token``, ``board rules``, ``board`` and ``web`` as an operator runs them:
real processes on a real data directory, one line on stderr for every refusal."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from ..cli.conftest import one_line_error, run


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHOPFLOOR_")}
    return {**clean, "SHOPFLOOR_DATA_DIR": str(tmp_path / "data")}


def test_board_token_writes_a_private_file_and_rotating_replaces_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = run(["board", "token"], env)
    assert first.returncode == 0, first.stderr
    path = tmp_path / "data" / "board_token"
    token = path.read_text().strip()
    assert token.startswith("sfb_")
    assert token in first.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    second = run(["board", "token", "--no-file"], env)
    assert second.returncode == 0, second.stderr
    assert path.read_text().strip() == token  # --no-file: printed only
    assert token not in second.stdout


def test_the_board_refuses_to_start_without_a_valid_token(
    env: dict[str, str], tmp_path: Path
) -> None:
    missing = one_line_error(run(["board"], env))
    assert "shopfloor board token" in missing
    assert str(tmp_path / "data" / "board_token") in missing

    run(["board", "token"], env)
    wrong = one_line_error(run(["board"], {**env, "SHOPFLOOR_BOARD_TOKEN": "sfb_wrong"}))
    assert "not valid" in wrong


def test_board_rules_show_and_set_the_target_and_the_shift(env: dict[str, str]) -> None:
    changed = run(["board", "rules", "--daily-target", "12", "--shift-start", "6:00"], env)
    assert changed.returncode == 0, changed.stderr
    assert "daily target: 12" in changed.stdout
    assert "shift start:  06:00" in changed.stdout
    shown = run(["board", "rules"], env)
    assert "daily target: 12" in shown.stdout
    bad = one_line_error(run(["board", "rules", "--shift-start", "25:00"], env))
    assert "HH:MM" in bad


def test_web_says_in_one_line_when_its_port_is_taken(env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line_error(run(["web", "--port", str(port)], env))
    assert f"127.0.0.1:{port}" in line
    assert "--port" in line
