"""`shopfloor audit rebuild`: the operator's repair for the drift `audit verify` reports in
the kept read models, as a shop runs it (real processes, SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from shopfloor.demo import build_demo
from shopfloor.domain import Shop
from shopfloor.domain.database import create_db_engine
from shopfloor.domain.models import TechnicianDay, TicketStatusCount

from ..conftest import fast_hasher
from ..databases import PostgresTemplate
from .conftest import one_line_error, run
from .test_audit_and_backup import Writer, demo


def test_verify_names_rebuild_for_rollup_drift_and_rebuild_leaves_the_shop_clean(
    env: dict[str, str],
) -> None:
    path = demo(env)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE technician_days SET worked_seconds = worked_seconds + 60")
        conn.execute("UPDATE ticket_status_counts SET tickets = tickets + 5 WHERE status = 'new'")
    drifted = run(["audit", "verify"], env)
    assert drifted.returncode == 1
    summary = drifted.stdout.splitlines()[-1]
    assert "`shopfloor audit rebuild` rebuilds them from the history" in summary
    assert "Audit found 0 drift(s)" in summary  # the history's own caches are fine

    rebuilt = run(["audit", "rebuild"], env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert len(rebuilt.stdout.splitlines()) == 1
    assert rebuilt.stderr == ""
    assert rebuilt.stdout.startswith(
        "Rebuilt the read models from the history: the facts of 28 tickets"
    )
    clean = run(["audit", "verify"], env)
    assert clean.returncode == 0, clean.stdout
    assert clean.stdout.startswith("Audit clean: 28 tickets")


def test_rebuild_on_a_clean_shop_changes_nothing_verify_can_see(env: dict[str, str]) -> None:
    demo(env)
    assert run(["audit", "rebuild"], env).returncode == 0
    verified = run(["audit", "verify"], env)
    assert verified.returncode == 0, verified.stdout


def test_rebuild_of_a_read_only_shop_file_is_one_line_saying_read_only(
    env: dict[str, str],
) -> None:
    path = demo(env)
    for leftover in path.parent.glob("*-[ws][ah][lm]"):  # -wal and -shm of a closed shop
        leftover.unlink()
    path.chmod(0o444)
    line = one_line_error(run(["audit", "rebuild"], env, as_plain_user=True))
    assert f"The database file {path} is read-only" in line


def test_rebuild_on_postgres_while_a_terminal_works_leaves_the_shop_clean(
    env: dict[str, str], postgres_template: PostgresTemplate, tmp_path: Path
) -> None:
    with postgres_template.database(tmp_path) as url:
        shop = Shop(create_db_engine(url), hasher=fast_hasher())
        build_demo(shop, datetime.now(UTC))
        with shop.engine.begin() as conn:
            conn.execute(update(TechnicianDay).values(done=TechnicianDay.done + 1))
            conn.execute(update(TicketStatusCount).values(tickets=TicketStatusCount.tickets + 1))
        shop.dispose()
        env["SHOPFLOOR_DATABASE_URL"] = url
        assert run(["audit", "verify"], env).returncode == 1

        writer = Writer(url)
        writer.start()
        try:
            while writer.passed < 2 and writer.error is None and writer.is_alive():
                writer.join(0.05)  # tickets flowing before the first rebuild
            rebuilds = [run(["audit", "rebuild"], env) for _ in range(3)]
            passed_during = writer.passed
        finally:
            writer.stop.set()
            writer.join()
        assert writer.error is None, writer.error
        assert passed_during >= 2
        assert all(r.returncode == 0 for r in rebuilds), [r.stderr for r in rebuilds]
        # Whatever the terminal committed before, between or after the rebuilds is counted.
        verified = run(["audit", "verify"], env)
    assert verified.returncode == 0, verified.stdout
