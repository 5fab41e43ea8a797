"""``./dev`` names the interpreter it could not use (it stops before touching .venv)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

DEV = Path(__file__).resolve().parents[2] / "dev"


def run_dev(python: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DEV), "--help"],
        env={**os.environ, "PYTHON": python},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_dev_with_a_missing_interpreter_says_it_was_not_found() -> None:
    result = run_dev("no-such-python3.99")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Python interpreter 'no-such-python3.99' was not found; install Python 3.11 or newer, "
        "or set PYTHON=/path/to/python3"
    )


def test_dev_with_something_that_is_not_python_asks_for_3_11() -> None:
    result = run_dev("false")
    assert result.returncode == 1
    assert "needs Python 3.11 or newer" in result.stderr
