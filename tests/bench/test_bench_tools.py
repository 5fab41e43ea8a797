"""The bench's tools work against real servers: the 7-request workflow client over real
HTTP on SQLite, the statement-counting proxy in front of a real PostgreSQL, and the
bulk-loaded data agreeing with its own history. Nothing here is timed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bench import data, workflow_client
from bench.pg_statement_counter import CounterProxy, control
from bench.workflow_client import Credentials, WorkflowClient
from shopfloor.api import create_app
from shopfloor.config import Settings
from shopfloor.domain import Shop, create_user, get_ticket
from shopfloor.domain.audit import verify_shop
from shopfloor.domain.database import create_db_engine

from ..api.conftest import SECRET, serve_in_thread
from ..conftest import fast_hasher
from ..databases import postgres_admin_url, skip_or_fail_without_postgres

PASSWORD = "secret-pw"


@pytest.fixture
def sqlite_shop(sqlite_url: str) -> Iterator[Shop]:
    shop = Shop(create_db_engine(sqlite_url), hasher=fast_hasher())
    yield shop
    shop.dispose()


@pytest.fixture
def live(sqlite_shop: Shop, tmp_path: Path) -> Iterator[str]:
    for name, role in (("master", "master"), ("tech", "technician"), ("qc", "qc_inspector")):
        create_user(sqlite_shop, None, name, PASSWORD, roles=[role])
    settings = Settings(data_dir=tmp_path, database_url="unused", secret_key_value=SECRET)
    with serve_in_thread(create_app(sqlite_shop, settings)) as base:
        yield base


def test_workflow_client_takes_new_bikes_through_intake_to_a_passed_qc(
    sqlite_shop: Shop, live: str
) -> None:
    client = WorkflowClient(
        live,
        Credentials("master", PASSWORD),
        Credentials("tech", PASSWORD),
        Credentials("qc", PASSWORD),
    )
    client.login()
    try:
        tickets = [client.run_one(n) for n in range(2)]
    finally:
        client.close()
    for ticket_id in tickets:
        ticket = get_ticket(sqlite_shop, ticket_id)
        assert ticket.status == "done"
        assert ticket.technician == client.technician_id
        assert ticket.bike_code.startswith("RM-WF")


def test_workflow_client_command_reports_workflows_per_second(
    live: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--base-url", live, "--username", "master", "--password", PASSWORD,
            "--technician", f"tech:{PASSWORD}", "--qc", f"qc:{PASSWORD}",
            "--count", "1", "--warmup", "0"]  # fmt: skip
    assert workflow_client.main(argv) == 0
    assert "1 workflows in" in capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_statement_counter_counts_simple_queries_and_extended_executes() -> None:
    skip_or_fail_without_postgres()
    admin = make_url(postgres_admin_url())
    control_address = ("127.0.0.1", _free_port())
    proxy = CounterProxy(
        ("127.0.0.1", 0), (admin.host or "127.0.0.1", admin.port or 5432), control_address
    ).start()
    try:
        url = admin.set(drivername="postgresql", host="127.0.0.1", port=proxy.port)
        # sslmode=prefer (the default) asks for TLS first: the proxy refuses it.
        libpq = url.render_as_string(hide_password=False)
        with psycopg.connect(libpq, autocommit=True, sslmode="prefer") as conn:
            control(control_address, "reset")
            for n in range(3):
                conn.execute("SELECT %s::int", (n,))
            conn.pgconn.exec_(b"UPDATE pg_class SET relname = relname WHERE false")
            assert proxy.snapshot() == {
                "total": 4, "extended": 3, "simple": 1, "SELECT": 3, "UPDATE": 1
            }  # fmt: skip
            assert control(control_address, "reset")["total"] == 4
            assert control(control_address, "get") == {"total": 0}
    finally:
        proxy.stop()


def test_bulk_loaded_shop_agrees_with_its_history(sqlite_url: str) -> None:
    loaded = data.build(sqlite_url, data.ShopSpec(300))
    assert loaded.tickets == 300
    shop = Shop(create_db_engine(sqlite_url))
    try:
        report = verify_shop(shop)
    finally:
        shop.dispose()
    assert report.clean, [str(d) for d in report.drifts[:5]]
    assert report.tickets == 300
