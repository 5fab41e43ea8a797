"""The bench's tools work against real servers: the 7-request workflow client over real
HTTP on SQLite, the statement-counting proxy in front of a real PostgreSQL, the floor
replaying a recorded workflow with fresh ids, and the bulk-loaded data agreeing with its
own history. Nothing here is timed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bench import data, workflow_client
from bench.floor import ID_BASE, FloorError, Recording, ReplayedWorkflow, _swap, capture
from bench.pg_statement_counter import CounterProxy, Statement, control
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


def _counting_proxy() -> CounterProxy:
    admin = make_url(postgres_admin_url())
    return CounterProxy(("127.0.0.1", 0), (admin.host or "127.0.0.1", admin.port or 5432)).start()


def test_statement_counter_records_each_statement_with_its_bound_values() -> None:
    skip_or_fail_without_postgres()
    proxy = _counting_proxy()
    try:
        url = make_url(postgres_admin_url()).set(host="127.0.0.1", port=proxy.port)
        with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
            recorded = proxy.record()
            conn.execute("SELECT %s::text, %s::int", ("RM-1", None))
            conn.pgconn.exec_(b"SELECT 1")
            proxy.stop_recording()
            conn.execute("SELECT 2")
    finally:
        proxy.stop()
    first, second = recorded
    assert (first.sql, first.params, first.simple) == ("SELECT $1::text, $2::int", (b"RM-1", None),
                                                       False)  # fmt: skip
    assert len(first.formats) == 2
    assert second == Statement("SELECT 1", simple=True)


def test_floor_replays_a_recorded_workflow_with_a_new_bike_new_ids_and_the_same_statements(
    pg_shop: Shop, tmp_path: Path
) -> None:
    url = pg_shop.engine.url.render_as_string(hide_password=False)
    proxy = _counting_proxy()
    counted = make_url(url).set(host="127.0.0.1", port=proxy.port)
    shop = Shop(create_db_engine(counted.render_as_string(hide_password=False)),
                hasher=fast_hasher())  # fmt: skip
    for name, role in (("master", "master"), ("tech", "technician"), ("qc", "qc_inspector")):
        create_user(shop, None, name, PASSWORD, roles=[role])
    settings = Settings(data_dir=tmp_path, database_url="unused", secret_key_value=SECRET)
    bare = _BareEndpoint()
    try:
        with serve_in_thread(create_app(shop, settings)) as base:
            client = WorkflowClient(
                base, *(Credentials(u, PASSWORD) for u in ("master", "tech", "qc"))
            )
            client.login()
            client.run_one(0)
            recording = capture(proxy, url, client, 1)
            client.close()
        assert recording.transactions == 7
        floor = ReplayedWorkflow(recording, counted.render_as_string(hide_password=False),
                                 bare.port, "/")  # fmt: skip
        proxy.reset()
        floor.run(2, start=5)
        floor.close()
        assert proxy.snapshot()["total"] == 2 * len(recording.statements)
    finally:
        bare.close()
        proxy.stop()
        shop.dispose()
    assert bare.requests == 14  # 7 bare requests per replayed workflow
    with psycopg.connect(make_url(url).set(drivername="postgresql")
                         .render_as_string(hide_password=False)) as conn:  # fmt: skip
        rows = conn.execute(
            "SELECT t.id, t.status, b.bike_code FROM tickets t JOIN bikes b ON b.id = t.bike_id "
            "WHERE b.bike_code LIKE 'RM-FL%' ORDER BY t.id"
        ).fetchall()
        assert [(status, code[-2:]) for _, status, code in rows] == [("done", "05"), ("done", "06")]
        replayed = [ticket for ticket, _, _ in rows]
        assert replayed[0] != recording.ids["tickets"]
        references = conn.execute(
            "SELECT reference FROM xp_ledger WHERE reference LIKE 'ticket_base_xp:%'"
        ).fetchall()
        assert {f"ticket_base_xp:{t}" for t in replayed} <= {r for (r,) in references}


class _BareEndpoint:
    """A keep-alive HTTP endpoint in a thread that answers 200 and counts requests."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.requests += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_floor_swaps_recorded_ids_only_as_whole_numbers_and_in_binary_values() -> None:
    old, new = ID_BASE + 1, 42
    ids, codes = {old: new}, (b"RM-WFABC000001", b"RM-FL000000009")
    text = f'{{"ticket_id": {old}, "other": {old}7}} ticket_base_xp:{old}'.encode()
    assert _swap(text, 0, ids, codes) == (
        f'{{"ticket_id": 42, "other": {old}7}} ticket_base_xp:42'.encode()
    )
    assert _swap(b"RM-WFABC000001", 0, ids, codes) == b"RM-FL000000009"
    assert _swap(old.to_bytes(4, "big"), 1, ids, codes) == new.to_bytes(4, "big")
    assert _swap(old.to_bytes(8, "big"), 1, ids, codes) == new.to_bytes(8, "big")
    assert _swap(None, 0, ids, codes) is None


def test_floor_refuses_a_recording_with_an_id_it_could_not_map() -> None:
    stray = Statement("SELECT $1::int", (str(ID_BASE + 7).encode(),), (0,))
    with pytest.raises(FloorError, match=str(ID_BASE + 7)):
        Recording([stray], {"tickets": ID_BASE + 1}, "RM-WF000001")


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
