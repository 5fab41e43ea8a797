"""Running ``shopfloor`` as a user does: a real process, a real data directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

# Root ignores file permissions; without these capabilities it meets them like anyone.
DROP_ROOT_OVERRIDES = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


def run(
    args: list[str], env: dict[str, str], stdin: str = "", *, as_plain_user: bool = False
) -> subprocess.CompletedProcess[str]:
    """``shopfloor ARGS`` in a subprocess; ``as_plain_user`` makes file permissions count."""
    prefix: list[str] = []
    if as_plain_user and os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.fail("running as root needs setpriv to test file permissions")
        prefix = DROP_ROOT_OVERRIDES
    return subprocess.run(
        [*prefix, sys.executable, "-m", "shopfloor.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command (asserting that it is one, and no traceback)."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHOPFLOOR_")}
    # A config.toml of the person running the tests never reaches the commands.
    return {
        **clean,
        "SHOPFLOOR_DATA_DIR": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


def run_at_terminal(
    args: list[str], env: dict[str, str], answers: list[str], *, timeout: float = 60
) -> tuple[int, str]:
    """``shopfloor ARGS`` on a pseudo-terminal, typing each answer once its prompt shows.

    An answer is typed only after the prompt ending in ": " appears, as a person would
    (getpass flushes anything typed earlier). Returns the exit code and all output.
    """
    import select

    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "shopfloor.cli", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    output = b""
    pending = list(answers)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the process exited and closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
                if pending and output.rstrip(b" ").endswith(b":"):
                    os.write(master, pending.pop(0).encode())
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return code, output.decode(errors="replace").replace("\r\n", "\n")
