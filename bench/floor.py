"""The HTTP workflow's floor: its own SQL statements replayed by a raw psycopg client,
plus one bare HTTP request per request of the workflow.

The statements are not written here by hand: :func:`capture` records the ones a real
``shopfloor serve`` sends PostgreSQL for one workflow (through
``bench/pg_statement_counter.py``, text and bound values), in the same run, so the floor
follows whatever the code under test does. :class:`ReplayedWorkflow` then sends them
again, in order, on one autocommit connection (BEGIN and COMMIT are among them), each
transaction preceded by one request to the bare endpoint (``bench/bare.py``): what a
server that did nothing but its SQL and its HTTP would cost.

Replaying needs fresh ids and bike codes each time. Before the recorded workflow every
table's id sequence is moved to its own far-off base (``base + 1`` is then the first id
the workflow gets in that table), so the recorded values that are ids can be told
apart from every other number; the replay maps each of them to the id its own INSERT
... RETURNING got, in values and inside strings (XP references, JSON payloads).
"""

from __future__ import annotations

import http.client
import re
import time
from dataclasses import dataclass

import psycopg
from psycopg import pq

from bench.pg_statement_counter import CounterProxy, Statement
from bench.workflow_client import WorkflowClient

ID_BASE, ID_STRIDE = 1_000_000_000, 10_000_000  # table i's ids start after BASE + i*STRIDE
REQUESTS = 7  # HTTP requests per workflow
_INSERT_RETURNING = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\b.*\bRETURNING\b", re.I | re.S)
_BIG_NUMBER = re.compile(rb"(?<!\d)\d{10}(?!\d)")


class FloorError(RuntimeError):
    """The recorded workflow cannot be replayed (say which value could not be mapped)."""


def _libpq(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def move_sequences(url: str) -> dict[str, int]:
    """Move each table's id sequence to its own base; the bases by table."""
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_get_serial_sequence(quote_ident(c.relname), 'id') "
            "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'id' "
            "WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace "
            "ORDER BY c.relname"
        ).fetchall()
        bases = {}
        for i, (table, sequence) in enumerate(r for r in rows if r[1]):
            bases[table] = ID_BASE + i * ID_STRIDE
            conn.execute("SELECT setval(%s, %s)", (sequence, bases[table]))
    return bases


@dataclass
class Recording:
    """One workflow's statements, the ids they used (table -> recorded id) and its bike code."""

    statements: list[Statement]
    ids: dict[str, int]
    bike_code: str

    def __post_init__(self) -> None:
        known = set(self.ids.values())
        for s in self.statements:
            for value, fmt in zip(s.params, s.formats, strict=True):
                for number in _numbers(value, fmt):
                    if number not in known and ID_BASE <= number < 2 * ID_BASE:
                        raise FloorError(f"recorded id {number} is not a table's first id of "
                                         f"the workflow: {s.sql[:80]}")  # fmt: skip

    @property
    def transactions(self) -> int:
        return sum(1 for s in self.statements if _is_begin(s))


def _is_begin(statement: Statement) -> bool:
    return statement.sql.strip().rstrip(";").upper() == "BEGIN"


def _numbers(value: bytes | None, fmt: int) -> list[int]:
    """The whole numbers a bound value holds that could be ids (10 digits in text)."""
    if value is None:
        return []
    if fmt == 1:
        return [int.from_bytes(value, "big", signed=True)] if len(value) in (4, 8) else []
    return [int(n) for n in _BIG_NUMBER.findall(value)]


def capture(proxy: CounterProxy, url: str, client: WorkflowClient, n: int) -> Recording:
    """Record workflow ``n`` of ``client``, whose server talks to the database at ``url``
    through ``proxy`` (already warm: its statements prepared as they will be)."""
    bases = move_sequences(url)
    recorded = proxy.record()
    try:
        ticket = client.run_one(n)
    finally:
        proxy.stop_recording()
    if ticket != bases.get("tickets", 0) + 1:
        raise FloorError(f"the recorded ticket got id {ticket}, not its table's base + 1")
    ids = {table: base + 1 for table, base in bases.items()}
    return Recording(list(recorded), ids, client.bike_code(n))


class ReplayedWorkflow:
    """Replays ``recording`` on the database at ``url`` through libpq (psycopg's ``pgconn``:
    each statement prepared once with the recorded parameter types, then executed with
    the recorded values in their recorded formats), with one ``POST`` to the bare
    endpoint at ``bare_port``/``bare_path`` before each transaction."""

    def __init__(self, recording: Recording, url: str, bare_port: int, bare_path: str) -> None:
        self.recording = recording
        self.conn = psycopg.connect(_libpq(url), autocommit=True)
        self.pg = self.conn.pgconn
        self.http = http.client.HTTPConnection("127.0.0.1", bare_port, timeout=30)
        self.bare_path = bare_path
        self.names: list[bytes | None] = []
        prepared: dict[tuple[str, tuple[int, ...]], bytes] = {}
        for statement in recording.statements:
            if statement.simple:
                self.names.append(None)
                continue
            key = (statement.sql, statement.types)
            if key not in prepared:
                prepared[key] = f"floor_{len(prepared)}".encode()
                self._check(self.pg.prepare(prepared[key], statement.sql.encode(),
                                            statement.types or None))  # fmt: skip
            self.names.append(prepared[key])

    def close(self) -> None:
        self.conn.close()
        self.http.close()

    @staticmethod
    def _check(result: pq.abc.PGresult) -> pq.abc.PGresult:
        if result.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
            message = (result.error_message or b"").decode(errors="replace").strip()
            raise FloorError(f"the replayed statement failed: {message}")
        return result

    def _bare(self) -> None:
        self.http.request("POST", self.bare_path, b"{}", {"Content-Type": "application/json"})
        response = self.http.getresponse()
        response.read()
        if response.status != 200:
            raise FloorError(f"the bare endpoint answered {response.status}")

    def run_one(self, n: int) -> None:
        """Replay the recorded workflow as workflow ``n`` (a new bike code and new ids)."""
        rec = self.recording
        digits = max(len(rec.bike_code) - 5, 1)
        codes = (rec.bike_code.encode(), f"RM-FL{n:0{digits}d}".encode())
        ids: dict[int, int] = {}
        requests = 0
        for statement, name in zip(rec.statements, self.names, strict=True):
            if _is_begin(statement) and requests < REQUESTS:
                self._bare()
                requests += 1
            if name is None:
                result = self._check(self.pg.exec_(statement.sql.encode()))
            else:
                values = [_swap(v, f, ids, codes) for v, f in
                          zip(statement.params, statement.formats, strict=True)]  # fmt: skip
                formats = list(statement.formats) or None
                # libpq takes None as NULL; psycopg's stubs do not say so.
                result = self._check(self.pg.exec_prepared(name, values, formats))  # type: ignore[arg-type]
            table = _INSERT_RETURNING.match(statement.sql)
            if table and result.ntuples and table.group(1) in rec.ids:
                ids.setdefault(rec.ids[table.group(1)], int(result.get_value(0, 0) or b"0"))
        for _ in range(requests, REQUESTS):
            self._bare()

    def run(self, count: int, start: int) -> float:
        """``count`` replays numbered from ``start``; the seconds they took."""
        self.http.close()  # a fresh connection, as the HTTP clients get each round
        began = time.perf_counter()
        for n in range(start, start + count):
            self.run_one(n)
        return time.perf_counter() - began


def _swap(value: bytes | None, fmt: int, ids: dict[int, int],
          codes: tuple[bytes, bytes]) -> bytes | None:  # fmt: skip
    """``value`` with each recorded id (whole numbers only) and the bike code replaced by
    the replay's."""
    if value is None:
        return None
    if fmt == 1:
        if len(value) in (4, 8):
            number = int.from_bytes(value, "big", signed=True)
            if number in ids:
                return ids[number].to_bytes(len(value), "big", signed=True)
        return value
    value = value.replace(*codes)
    for old, new in ids.items():
        text = str(old).encode()
        if text in value:
            value = re.sub(rb"(?<!\d)" + text + rb"(?!\d)", str(new).encode(), value)
    return value
