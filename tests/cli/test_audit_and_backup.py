"""`shopfloor audit verify` and `shopfloor db backup`, as a shop runs them: real processes."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shopfloor.demo import build_demo
from shopfloor.domain import (
    Shop,
    assign_ticket,
    create_ticket,
    create_user,
    find_user,
    qc_pass,
    send_to_qc,
)
from shopfloor.domain.database import create_db_engine
from shopfloor.domain.work_sessions import start_work_session

from ..conftest import fast_hasher
from ..databases import REQUIRE_POSTGRES, PostgresTemplate, _libpq
from ..factories import CHECKLIST
from .conftest import run


def demo(env: dict[str, str]) -> Path:
    assert run(["demo", "--no-tui"], env).returncode == 0
    path = Path(env["SHOPFLOOR_DATA_DIR"]) / "demo.sqlite3"
    env["SHOPFLOOR_DATABASE_URL"] = f"sqlite:///{path}"
    return path


def test_audit_verify_is_one_clean_line_on_the_demo_and_exit_1_on_a_drift(
    env: dict[str, str],
) -> None:
    path = demo(env)
    clean = run(["audit", "verify"], env)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.splitlines() == [
        "Audit clean: 28 tickets, 31 work sessions, 40 bikes and 28 XP entries agree with "
        "their history."
    ]
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE tickets SET status = 'done' WHERE status = 'new'")
    drifted = run(["audit", "verify"], env)
    assert drifted.returncode == 1
    lines = drifted.stdout.splitlines()
    assert len(lines) == 4  # the demo has three new tickets, then the summary
    assert all("ticket_status is done, the history says new" in line for line in lines[:3])
    assert (
        lines[3]
        == "Audit found 3 drift(s) in 28 tickets, 31 work sessions, 40 bikes and 28 XP entries."
    )


class Writer(threading.Thread):
    """A terminal working through whole tickets, one transaction per step, until told to stop."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.shop = Shop(create_db_engine(url), hasher=fast_hasher())
        self.stop = threading.Event()
        self.passed = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            master = find_user(self.shop, "master").id
            manager = find_user(self.shop, "manager").id
            qc = find_user(self.shop, "qc").id
            tech = create_user(self.shop, None, "night-shift", "pw-1234", roles=["technician"]).id
            while not self.stop.is_set():
                ticket = create_ticket(
                    self.shop,
                    master,
                    bike_code=f"RM-9{self.passed:04d}",
                    title="Night shift",
                    checklist=CHECKLIST,
                    srt_total_minutes=30,
                    approve_srt=True,
                    confirm_create_bike=True,
                    bike_creation_reason="backup test",
                ).id
                assign_ticket(self.shop, manager, ticket, tech)
                start_work_session(self.shop, tech, ticket)
                send_to_qc(self.shop, tech, ticket)
                qc_pass(self.shop, qc, ticket)
                self.passed += 1
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc
        finally:
            self.shop.dispose()


def test_a_backup_taken_while_a_terminal_writes_verifies_clean(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = demo(env)
    writer = Writer(env["SHOPFLOOR_DATABASE_URL"])
    writer.start()
    try:
        backup = tmp_path / "backups" / "shop.sqlite3"
        backup.parent.mkdir()
        while writer.passed < 3 and writer.error is None and writer.is_alive():
            writer.join(0.05)  # some work done before the copy starts
        passed_when_copy_began = writer.passed
        made = run(["db", "backup", str(backup)], env)
        passed_before_copy_ended = writer.passed
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None, writer.error
    assert passed_before_copy_ended > passed_when_copy_began  # it wrote while we copied
    assert made.returncode == 0, made.stderr
    assert f"Backed up {path} to {backup}" in made.stdout
    assert not list(backup.parent.glob(".*partial"))
    with sqlite3.connect(backup) as conn:
        copied = conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE title = 'Night shift'"
        ).fetchone()[0]
    # The copy is the shop at one moment while the writer worked.
    assert passed_when_copy_began <= copied <= passed_before_copy_ended + 1
    verified = run(["audit", "verify"], {**env, "SHOPFLOOR_DATABASE_URL": f"sqlite:///{backup}"})
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.startswith(f"Audit clean: {28 + copied} tickets")


def test_a_backup_never_overwrites_a_file(env: dict[str, str], tmp_path: Path) -> None:
    demo(env)
    existing = tmp_path / "keep.sqlite3"
    existing.write_text("precious")
    result = run(["db", "backup", str(existing)], env)
    assert result.returncode == 1
    assert "already exists; choose a new name" in result.stderr
    assert existing.read_text() == "precious"


def test_a_postgres_shop_dumped_and_restored_as_the_readme_shows_verifies_clean(
    env: dict[str, str], postgres_template: PostgresTemplate, tmp_path: Path
) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        missing = "pg_dump and pg_restore are not installed"
        pytest.fail(missing) if REQUIRE_POSTGRES else pytest.skip(missing)
    with (
        postgres_template.database(tmp_path) as source,
        postgres_template.database(tmp_path) as restored,
    ):
        shop = Shop(create_db_engine(source), hasher=fast_hasher())
        build_demo(shop, datetime.now(UTC))
        shop.dispose()
        dump = tmp_path / "shop.dump"
        with dump.open("wb") as out:
            subprocess.run(["pg_dump", "-Fc", "-d", _libpq(source)], stdout=out, check=True)
        # The README restores into a new, empty database; this one is empty but migrated,
        # so its tables are dropped first (--clean) and the dump's own are restored.
        subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "-d", _libpq(restored), str(dump)],
            check=True,
            capture_output=True,
        )
        verified = run(["audit", "verify"], {**env, "SHOPFLOOR_DATABASE_URL": restored})
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("Audit clean: 28 tickets, 31 work sessions, 40 bikes")
