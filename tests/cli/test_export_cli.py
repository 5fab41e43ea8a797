"""`shopfloor export`, as a manager runs it: real processes on a shop with a history."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl

from shopfloor.cli_export import KINDS
from shopfloor.domain.exports import EXPORT_KINDS

from .conftest import one_line_error, run


def demo(env: dict[str, str]) -> None:
    assert run(["demo", "--no-tui"], env).returncode == 0
    env["SHOPFLOOR_DATABASE_URL"] = f"sqlite:///{Path(env['SHOPFLOOR_DATA_DIR']) / 'demo.sqlite3'}"


TODAY = datetime.now(UTC).date()
# The demo's histories are of the last few days.
WINDOW = ["--from", str(TODAY - timedelta(days=30)), "--to", str(TODAY + timedelta(days=1))]


def test_export_writes_csv_to_stdout_with_a_header(env: dict[str, str]) -> None:
    demo(env)
    done = run(["export", "worktime", *WINDOW], env)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert rows
    assert list(rows[0])[:4] == ["date", "technician", "username", "worked_seconds"]
    assert {r["username"] for r in rows} <= {"tech1", "tech2"}
    assert sum(int(r["tickets_done"]) for r in rows) > 0


def test_export_writes_an_xlsx_file_with_totals(env: dict[str, str], tmp_path: Path) -> None:
    demo(env)
    target = tmp_path / "tickets.xlsx"
    done = run(["export", "tickets", *WINDOW, str(target)], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Wrote ")
    assert str(target) in done.stdout
    sheet = openpyxl.load_workbook(target, data_only=True).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Ticket", "Bike", "Title"]
    body, totals = rows[1:-1], rows[-1]
    assert totals[1] == f"Total ({len(body)} tickets)"
    assert totals[8] == sum(row[8] for row in body)  # worked seconds add up
    assert all(isinstance(row[0], int) for row in body)


def test_export_refuses_bad_input_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    demo(env)
    cases = [
        (["export", "salaries", *WINDOW], "invalid choice"),
        (["export", "xp", "--from", "yesterday", "--to", "2026-01-01"], "YYYY-MM-DD"),
        (["export", "xp", "--from", "2026-03-02", "--to", "2026-03-01"], "before from"),
        (["export", "xp", *WINDOW, "--format", "xlsx"], "needs a PATH"),
        (["export", "xp", *WINDOW, str(tmp_path)], "is a directory"),
        (["export", "xp", *WINDOW, str(tmp_path / "no" / "such" / "x.csv")], "Cannot write"),
    ]
    for args, phrase in cases:
        line = one_line_error(run(args, env))
        assert phrase in line, (args, line)
    assert not (tmp_path / "no").exists()


def test_the_commands_kinds_are_the_domains() -> None:
    assert KINDS == EXPORT_KINDS
