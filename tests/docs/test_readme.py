"""The README, run as written: its curl session and its command table, on a fresh demo.

Shell blocks are taken from README.md itself, so a change to either the README or the
product that makes them disagree fails here.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..api.conftest import start_server, stop_server
from ..cli.conftest import run, run_at_terminal

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SHOPFLOOR = f"{shlex.quote(sys.executable)} -m shopfloor.cli"


def section(title: str) -> str:
    """The text of the README section headed ``title`` (up to the next heading of its level)."""
    lines = README.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip("\n").endswith(f" {title}")
                  and line.startswith("#")), None)  # fmt: skip
    assert start is not None, f"README has no section {title!r}"
    level = len(lines[start]) - len(lines[start].lstrip("#"))
    in_code, body = False, []
    for line in lines[start + 1 :]:
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#") and len(line) - len(line.lstrip("#")) <= level:
            break
        body.append(line)
    return "".join(body)


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def expected_outputs(block: str) -> list[str]:
    """The ``# {...}`` lines under the commands: what each command prints."""
    return [line[2:] for line in block.splitlines() if line.startswith("# {")]


def matches(expected: str, actual: str) -> bool:
    """Every scalar ``"key":value`` the README shows is in the output (``...`` elides the rest)."""
    pairs = re.findall(r'"\w+":(?:true|false|null|-?\d+|"[^"]*")', expected)
    status = re.search(r"\} (\d{3})$", expected)
    return all(pair in actual for pair in pairs) and (
        status is None or actual.endswith(f" {status.group(1)}")
    )


def clean_env(data_dir: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHOPFLOOR_")}
    return {**clean, "SHOPFLOOR_DATA_DIR": str(data_dir)}


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo shop as `./dev demo --no-tui` makes it in a fresh data directory (made once)."""
    data = tmp_path_factory.mktemp("demo") / "data"
    made = run(["demo", "--no-tui"], clean_env(data))
    assert made.returncode == 0, made.stderr
    return data / "demo.sqlite3"


@pytest.fixture
def demo_env(demo_file: Path, tmp_path: Path) -> dict[str, str]:
    """A fresh data directory holding its own copy of the fresh demo shop."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(demo_file, data / "demo.sqlite3")
    env = clean_env(data)
    env["SHOPFLOOR_DATABASE_URL"] = f"sqlite:///{data / 'demo.sqlite3'}"
    return env


def test_readme_curl_session_gives_the_answers_it_shows(
    demo_env: dict[str, str], tmp_path: Path
) -> None:
    (block,) = [b for b in shell_blocks(section("The HTTP API")) if "curl" in b]
    proc, base = start_server(demo_env["SHOPFLOOR_DATABASE_URL"], tmp_path)
    try:
        session = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.replace("http://127.0.0.1:8000", base)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        stop_server(proc)
    assert session.returncode == 0, session.stderr
    outputs = [line for line in session.stdout.splitlines() if line.strip()]
    expected = expected_outputs(block)
    assert len(outputs) == len(expected) == 2
    for shown, printed in zip(expected, outputs, strict=True):
        assert matches(shown, printed), f"README shows {shown}\nthe server said {printed}"


def as_run_here(line: str) -> str:
    return line.replace(".venv/bin/shopfloor", SHOPFLOOR)


def test_readme_first_user_and_fleet_commands_work_as_written(tmp_path: Path) -> None:
    env = clean_env(tmp_path / "data")
    first, daily = shell_blocks(section("Running a real shop"))[:2]
    for line in [*first.splitlines(), *daily.splitlines()]:
        command = line.split("  #", 1)[0].strip()
        if command == ".venv/bin/shopfloor":
            continue  # opens the terminal UI: the Pilot tests in tests/tui drive it
        args = shlex.split(command.split("<<<", 1)[0])[1:]
        if "asks for the password" in line:
            code, output = run_at_terminal(args, env, ["pw-1234\n", "pw-1234\n"])
        else:
            stdin = shlex.split(command.split("<<<", 1)[1])[0] + "\n" if "<<<" in command else ""
            done = run(args, env, stdin)
            code, output = done.returncode, done.stdout + done.stderr
        assert code == 0, f"{command}: {output}"
    users = run(["user", "list"], env).stdout
    assert all(name in users for name in ("admin", "maria", "ivan"))
    assert "RM-1003" in run(["bike", "list"], env).stdout


# One concrete run of every row of the README's command table, on a fresh demo, and a
# phrase its output must hold. A row added to the table fails until it is added here.
TABLE_RUNS: dict[str, list[tuple[list[str], str]]] = {
    "`shopfloor` / `shopfloor tui`": [],  # the terminal UI: tests/tui drives it with Pilot
    "`shopfloor demo [--no-tui]`": [(["demo", "--no-tui"], "Demo shop already there")],
    "`shopfloor serve [--host H] [--port P] [--workers N]`": [],  # the curl test above
    "`shopfloor board [--token-file PATH] [--page-seconds N] [--period P]`": [],  # tests/board
    "`shopfloor board token [--file PATH \\| --no-file]` / `board rules [--daily-target N] "
    "[--shift-start HH:MM\\|none] [--long-pause MIN]`": [
        (["board", "token", "--no-file"], "sfb_"),
        (["board", "rules", "--daily-target", "12"], "daily target: 12"),
    ],
    "`shopfloor web [--host H] [--port P] [--max-sessions N]`": [],  # tests/web, in Chromium
    "`shopfloor db upgrade` / `db current`": [
        (["db", "upgrade"], "is up to date"),
        (["db", "current"], "up to date"),
    ],
    "`shopfloor db grant ROLE`": [],  # PostgreSQL roles only: tests/db/test_app_role.py
    "`shopfloor db backup PATH`": [(["db", "backup", "{tmp}/copy.sqlite3"], "Backed up")],
    "`shopfloor audit verify`": [(["audit", "verify"], "Audit clean: 28 tickets")],
    "`shopfloor audit rebuild`": [
        (["audit", "rebuild"], "Rebuilt the read models from the history: the facts of 28 tickets")
    ],
    "`shopfloor user add NAME [--role R …] [--first-name] [--last-name] [--password-stdin]`": [
        (
            [
                "user",
                "add",
                "sam",
                "--role",
                "technician",
                "--first-name",
                "Sam",
                "--last-name",
                "Ode",
                "--password-stdin",
            ],
            "Created user sam",
        )
    ],
    "`shopfloor user list` / `roles NAME (--role R … \\| --none)` / `deactivate NAME` / "
    "`activate NAME` / `passwd NAME`": [
        (["user", "list"], "tech1"),
        (
            ["user", "roles", "tech2", "--role", "technician", "--role", "qc_inspector"],
            "tech2 now holds: qc_inspector, technician",
        ),
        (["user", "roles", "tech2", "--none"], "tech2 now holds: no role"),
        (["user", "deactivate", "tech2"], "tech2 is deactivated."),
        (["user", "activate", "tech2"], "tech2 is active."),
        (["user", "passwd", "tech2", "--password-stdin"], "Password changed for tech2."),
    ],
    "`shopfloor user badge NAME (CODE \\| --clear)` / `pin NAME [--pin-stdin \\| --clear]`": [
        (["user", "badge", "tech1", "4711-AB"], "Badge set for tech1"),
        (["user", "pin", "tech1", "--pin-stdin"], "PIN set for tech1: a badge scan and this PIN"),
        (["user", "badge", "tech1", "--clear"], "Badge removed for tech1."),
        (["user", "pin", "tech1", "--clear"], "PIN removed for tech1."),
    ],
    "`shopfloor bike add CODE…` / `list [--status S] [--archived]` / `archive CODE` / "
    "`restore CODE`": [
        (["bike", "add", "RM-5001", "RM-5002"], "Added bike RM-5002"),
        (["bike", "list", "--status", "in_service"], "in_service"),
        (["bike", "archive", "RM-5001"], "Bike RM-5001 archived."),
        (["bike", "list", "--archived"], "RM-5001"),
        (["bike", "restore", "RM-5001"], "Bike RM-5001 restored."),
    ],
    "`shopfloor timers rules [--shift-end HH:MM\\|none] [--time-zone ZONE] "
    "[--pause-budget MIN] [--reason CODE=LABEL …]`": [
        (["timers", "rules"], "pause budget: 30 min a day"),
        (
            ["timers", "rules", "--shift-end", "20:00", "--time-zone", "Europe/Prague"],
            "shift end: 20:00",
        ),
        (
            ["timers", "rules", "--reason", "parts=Waiting for parts", "--reason", "lunch=Lunch!"],
            "pause reason 2: lunch = Lunch (break: not counted)",
        ),
    ],
    "`shopfloor timers stale [--older-than 12h] [--stop] [--at last-activity\\|now]`": [
        (["timers", "stale"], "No forgotten timers."),
        (["timers", "stale", "--older-than", "1000d", "--stop"], "No forgotten timers."),
        (["timers", "stale", "--stop", "--at", "now"], "No forgotten timers."),
    ],
    "`shopfloor export worktime\\|xp\\|qc\\|pauses\\|tickets --from DATE --to DATE "
    "[--format csv\\|xlsx] [PATH]`": [
        (["export", "worktime", "--from", "2020-01-01", "--to", "2020-12-31"], "date,technician"),
        (
            ["export", "tickets", "--from", "2020-01-01", "--to", "2020-12-31", "{tmp}/t.xlsx"],
            "Wrote 0 rows of tickets",
        ),
    ],
    "`shopfloor config check [PATH]` / `config keys [--markdown]`": [
        (["config", "check"], "ok"),
        (["config", "keys"], "work.pause"),
    ],
    "`shopfloor rules self-inspection allow\\|forbid`": [
        (["rules", "self-inspection", "allow"], "may now pass or fail its QC"),
        (["rules", "self-inspection", "forbid"], "Nobody may pass or fail QC"),
    ],
    "`shopfloor rules amounts [--checklist-min N] [--xp-minutes N] [--first-pass-bonus N]` / "
    "`history` / `rollback N`": [
        (["rules", "amounts", "--xp-minutes", "15"], "1 XP per 15 SRT minutes"),
        (["rules", "history"], "xp_srt_divisor: 20 -> 15"),
        (["rules", "rollback", "1"], "Rules are as version 1 again (now version 3)."),
    ],
    "`shopfloor rules show` / `rules set NAME on\\|off`": [
        (["rules", "set", "review_required", "on"], "review_required is now on."),
        (["rules", "show"], "start_opens_timer"),
        (["rules", "set", "review_required", "off"], "review_required is now off."),
    ],
    "`shopfloor model add NAME` / `model list`": [
        (["model", "add", "City 26"], "Added bike model City 26"),
        (["model", "list"], "City 26"),
    ],
    "`shopfloor part add MODEL NAME` / `list [--removed]` / `remove ID`": [
        (["model", "add", "Cargo"], "Added bike model Cargo"),
        # The demo's catalogue holds 6 parts (shopfloor/demo.py's DEMO_PARTS).
        (["part", "add", "Cargo", "Brakes"], "Added part Brakes (id 7) to Cargo."),
        (["part", "list"], "Brakes"),
        (["part", "remove", "7"], "Removed part Brakes of Cargo"),
        (["part", "list", "--removed"], "(removed)"),
    ],
}


def table_commands() -> list[str]:
    rows = re.findall(r"^\| (`shopfloor.*?`) \| ", section("Running a real shop"), re.M)
    return [row.strip() for row in rows]


def test_readme_command_table_is_covered_row_for_row() -> None:
    assert table_commands() == list(TABLE_RUNS)


@pytest.mark.parametrize("row", list(TABLE_RUNS), ids=lambda row: row.split("`")[1])
def test_readme_command_table_row_runs_on_a_fresh_demo(
    demo_env: dict[str, str], tmp_path: Path, row: str
) -> None:
    for args, phrase in TABLE_RUNS[row]:
        args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
        stdin = {"--password-stdin": "pw-1234\n", "--pin-stdin": "2468\n"}
        done = run(args, demo_env, next((stdin[a] for a in args if a in stdin), ""))
        assert done.returncode == 0, f"{args}: {done.stderr}"
        assert phrase in done.stdout, f"{args}: {done.stdout}"
