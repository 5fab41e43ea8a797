"""The bench's one data builder: shops with realistic histories, bulk-loaded in SQL.

Every bench script builds its shops here. A shop of ``tickets`` tickets gets a history
like a real workshop's: each ticket is created, assigned to one of several
technicians, started with the timer (paused with a reason and resumed now and then,
stopped), sent to QC and passed; some fail QC and go round again as rework, some are
parked waiting for parts and started again; every pass pays XP into the ledger. The
newest few dozen tickets are still open in every status (new, assigned, parked,
in progress with a running or paused timer, waiting for QC, rework).

Tickets arrive at a fixed rate (``per_day``, about 110 a day by default), so a
10,000-ticket shop spans about 90 days and a bigger shop simply has a longer past:
the last 90 days hold the same rows in every shop, which is what lets a measure say
whether it grows with history or only with its window. Histories average about 5.8
transitions per ticket (``tickets_for_transitions`` sizes a shop by transitions).

Rows are generated in Python and loaded in one transaction with ``executemany`` on
SQLite and ``COPY`` on PostgreSQL (triggers and foreign-key checks are skipped with
``session_replication_role = replica`` when the role may), then sequences are moved
past the loaded ids, :func:`after_bulk_load` runs, and PostgreSQL is vacuumed and
analysed. The result is consistent: ``shopfloor audit verify`` finds no drift.

    .venv/bin/python bench/data.py --url sqlite:///shop.sqlite3 --tickets 10000
    .venv/bin/python bench/data.py --url postgresql://postgres@127.0.0.1/empty_db --million
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import math
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHECKLIST = [f"Task {i}" for i in range(10)]
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench-pw"  # noqa: S105 - the bench users' throwaway password
BATCH = 5_000  # tickets generated and written per batch (bounds memory)
AVERAGE_TRANSITIONS = 5.8  # per ticket, measured on these histories; see tickets_for_transitions

# Loaded people (ids fixed): the master who takes tickets in, a manager, two QC
# inspectors and ``technicians`` technicians from TECH_FIRST_ID on.
MASTER_ID, MANAGER_ID, QC_IDS, TECH_FIRST_ID = 1, 2, (3, 4), 5
PAUSE_REASONS = (
    ("waiting_for_parts", "Waiting for parts"),
    ("tool_or_bay_busy", "Tool or bay busy"),
    ("break", "Break"),
    ("customer_or_manager", "Customer or manager"),
)
SRT_MINUTES = (20, 30, 30, 45, 60, 60, 90, 120)
TITLES = ("Service", "Brake service", "Battery check", "Puncture", "Drivetrain", "Display")
# Open tickets at the end of the history, in this rotation of statuses.
OPEN_ROTATION = ("new", "assigned", "in_progress", "waiting_qc", "rework", "parked", "new")
# Open statuses whose ticket has been started and not passed: their bike is in service.
STARTED_TARGETS = ("in_progress", "waiting_qc", "rework", "parked")

COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("id", "username", "first_name", "last_name", "password_hash", "is_active",
              "created_at", "updated_at"),
    "user_roles": ("user_id", "role_slug"),
    "bikes": ("id", "bike_code", "status", "is_active", "created_at", "updated_at"),
    "tickets": ("id", "bike_id", "master_id", "technician_id", "title", "checklist_snapshot",
                "srt_total_minutes", "srt_approved_by_id", "srt_approved_at", "flag_minutes",
                "status", "assigned_at", "started_at", "done_at", "created_at", "updated_at"),
    "work_sessions": ("id", "ticket_id", "technician_id", "status", "started_at",
                      "last_started_at", "ended_at", "active_seconds", "created_at",
                      "updated_at"),
    "ticket_transitions": ("id", "ticket_id", "from_status", "to_status", "action", "actor_id",
                           "note", "metadata", "created_at"),
    "work_session_events": ("id", "work_session_id", "ticket_id", "from_status", "to_status",
                            "action", "actor_id", "event_at", "metadata", "created_at"),
    "xp_ledger": ("id", "user_id", "amount", "entry_type", "reference", "description",
                  "payload", "created_at"),
}  # fmt: skip
TABLES = tuple(COLUMNS)  # in the order foreign keys need


@dataclass(frozen=True)
class ShopSpec:
    """What to build: ``tickets`` tickets arriving ``per_day`` a day up to ``end``."""

    tickets: int
    per_day: float = 110.0
    technicians: int = 8
    seed: int = 13
    end: datetime | None = None  # default: now, so the last days' windows hold data

    @property
    def open_tickets(self) -> int:
        return min(42, self.tickets // 5)


@dataclass
class Loaded:
    """What a load wrote, and how long it took."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step
    technician_ids: tuple[int, ...] = ()

    @property
    def tickets(self) -> int:
        return self.rows.get("tickets", 0)

    @property
    def transitions(self) -> int:
        return self.rows.get("ticket_transitions", 0)

    def summary(self) -> str:
        parts = ", ".join(f"{n:,} {table}" for table, n in self.rows.items())
        steps = ", ".join(f"{name} {s:.1f}" for name, s in self.phases.items())
        return f"{parts} in {self.seconds:.1f} s ({steps})"


def tickets_for_transitions(transitions: int) -> int:
    """How many tickets make a shop of about ``transitions`` transitions."""
    return math.ceil(transitions / AVERAGE_TRANSITIONS)


# --- generating rows ---------------------------------------------------------------------

Row = tuple[Any, ...]


class _Writer:
    """Turns epoch seconds and JSON into one dialect's values (cached: millions of rows)."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"
        # SQLite keeps naive UTC in SQLAlchemy's format (compared as text); PostgreSQL
        # reads an offset.
        tail = "+00" if self.postgres else ".000000"
        self._hours: dict[int, str] = {}
        self._rest = [f"{r // 60:02d}:{r % 60:02d}{tail}" for r in range(3600)]
        self._json: dict[tuple[tuple[str, Any], ...], str] = {}

    def ts(self, epoch: int) -> str:
        hour, rest = divmod(epoch, 3600)
        prefix = self._hours.get(hour)
        if prefix is None:
            prefix = (datetime(1970, 1, 1) + timedelta(hours=hour)).strftime("%Y-%m-%d %H:")
            self._hours[hour] = prefix
        return prefix + self._rest[rest]

    @staticmethod
    def js(value: Any) -> str:
        return json.dumps(value)

    def jc(self, meta: dict[str, Any]) -> str:
        """``js`` for the few metadata shapes that repeat (no ids in them)."""
        key = tuple(meta.items())
        found = self._json.get(key)
        if found is None:
            found = self._json[key] = json.dumps(meta)
        return found


class _Generator:
    """Every row of a shop, batch by batch, ids assigned in time order per ticket."""

    def __init__(self, spec: ShopSpec, writer: _Writer) -> None:
        self.spec = spec
        self.w = writer
        self.rng = random.Random(spec.seed)
        end = spec.end or datetime.now(UTC)
        self.end = int(end.timestamp()) // 60 * 60
        self.techs = tuple(range(TECH_FIRST_ID, TECH_FIRST_ID + spec.technicians))
        self.bikes = max(120, spec.tickets // 4)
        self.ids = {t: 0 for t in ("ticket_transitions", "work_sessions",
                                   "work_session_events", "xp_ledger")}  # fmt: skip
        self.in_progress_techs: set[int] = set()
        self.checklist = writer.js(CHECKLIST)
        self.empty = writer.js({})
        self.open_from = spec.tickets - spec.open_tickets
        # Done tickets arrive until two days before the end; open ones in those two days.
        self.step = 86_400 / spec.per_day
        self.first = self.end - 2 * 86_400 - int(self.open_from * self.step)

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def people(self) -> dict[str, list[Row]]:
        at = self.w.ts(self.first - 60 * 86_400)
        people = [(MASTER_ID, "master", "master"), (MANAGER_ID, "manager", "ops_manager")]
        people += [(uid, f"qc{n + 1}", "qc_inspector") for n, uid in enumerate(QC_IDS)]
        people += [(uid, f"tech{n + 1:02d}", "technician") for n, uid in enumerate(self.techs)]
        users = [(uid, name, name.capitalize(), "Bench", "!", True, at, at)
                 for uid, name, _ in people]  # fmt: skip
        return {"users": users, "user_roles": [(uid, role) for uid, _, role in people]}

    def bike_rows(self) -> list[Row]:
        """Every bike; in service exactly while one of its tickets is started and open."""
        rng = random.Random(self.spec.seed + 1)
        in_service = {
            i % self.bikes + 1
            for i in range(self.open_from, self.spec.tickets)
            if OPEN_ROTATION[(i - self.open_from) % len(OPEN_ROTATION)] in STARTED_TARGETS
        }
        at = self.w.ts(self.first - 30 * 86_400)
        rows = []
        for b in range(1, self.bikes + 1):
            status = "in_service" if b in in_service else None
            if status is None:
                roll = rng.random()
                status = "rented" if roll < 0.08 else "blocked" if roll < 0.1 else "ready"
            rows.append((b, f"RM-{b:06d}", status, True, at, at))
        return rows

    def batches(self) -> Iterator[dict[str, list[Row]]]:
        for first in range(0, self.spec.tickets, BATCH):
            out: dict[str, list[Row]] = {t: [] for t in TABLES[3:]}
            for i in range(first, min(first + BATCH, self.spec.tickets)):
                self._ticket(i, out)
            yield out

    def _ticket(self, i: int, out: dict[str, list[Row]]) -> None:
        rng, w, tid = self.rng, self.w, i + 1
        bike = i % self.bikes + 1
        if i < self.open_from:
            target = "done"
            created = self.first + int(i * self.step) // 60 * 60 + 60 * rng.randrange(10)
        else:
            j = i - self.open_from
            target = OPEN_ROTATION[j % len(OPEN_ROTATION)]
            created = self.end - 2 * 86_400 + j * (2 * 86_400 // max(self.spec.open_tickets, 1))
        if target == "in_progress":
            free = [t for t in self.techs if t not in self.in_progress_techs]
            if not free:
                target = "waiting_qc"
        srt = rng.choice(SRT_MINUTES)
        tech = rng.choice(self.techs)
        if target == "in_progress":
            tech = free[0]
            self.in_progress_techs.add(tech)
        roll = rng.random()
        fails = 1 if target == "rework" else (0 if roll < 0.82 else 1 if roll < 0.96 else 2)
        if target in ("in_progress", "waiting_qc"):
            fails = min(fails, 1)
        park = target == "parked" or (target == "done" and rng.random() < 0.08)

        transitions: list[list[Any]] = []  # times patched below if the history is shifted
        sessions: list[list[Any]] = []
        events: list[list[Any]] = []
        xp: list[list[Any]] = []
        at = created
        status: str | None = None

        def move(to: str, action: str, actor: int, meta: dict[str, Any] | str,
                 note: str = "") -> None:  # fmt: skip
            nonlocal status
            encoded = meta if isinstance(meta, str) else w.jc(meta)
            transitions.append([tid, status, to, action, actor, note, encoded, at])
            status = to

        def work(stop: str) -> int:
            """One timer: started, maybe paused and resumed; stopped by ``stop`` unless
            it is left open ("running"/"paused"). Returns the session's number."""
            nonlocal at
            sid = self._next("work_sessions")
            began, active, last_start = at, 0, at
            evs: list[tuple[str | None, str, str, dict[str, Any], int]] = [
                (None, "running", "started", {}, at)
            ]
            ws_status = "running"
            chunk = 60 * rng.randint(10, 45)
            if rng.random() < 0.4 or stop == "paused":
                at += chunk
                active += chunk
                code, label = rng.choice(PAUSE_REASONS)
                meta = {"reason": code, "reason_label": label, "note": ""}
                evs.append(("running", "paused", "paused", meta, at))
                ws_status = "paused"
                if stop != "paused":
                    at += 60 * rng.randint(2, 12)
                    evs.append(("paused", "running", "resumed", {}, at))
                    ws_status, last_start = "running", at
            if stop not in ("running", "paused"):
                chunk = 60 * rng.randint(10, 45)
                at += chunk
                active += chunk
                meta = {}
                if stop == "parked":
                    meta = {"reason": "waiting_for_parts", "reason_label": "Waiting for parts",
                            "note": "", "cause": "parked"}  # fmt: skip
                elif stop == "sent_to_qc":
                    meta = {"reason": "sent_to_qc"}
                evs.append((ws_status, "stopped", "stopped", meta, at))
                ws_status = "stopped"
            ended = at if ws_status == "stopped" else None
            sessions.append([sid, tid, tech, ws_status, began, last_start, ended, active,
                             began, evs[-1][4]])  # fmt: skip
            for frm, to, action, meta, when in evs:
                events.append([sid, tid, frm, to, action, tech, when, w.jc(meta)])
            return sid

        def cycle(then: str) -> None:
            """Start (timer and ticket), work, and leave by ``then``."""
            nonlocal at
            at += 60 * rng.randint(5, 240)
            move("in_progress", "started", tech, {"was": status})
            if then in ("running", "paused"):
                work(then)
                return
            if then == "parked":
                sid = work("parked")
                meta = {
                    "reason": "waiting_for_parts",
                    "reason_label": "Waiting for parts",
                    "note": "",
                    "technician_id": tech,
                    "stopped_work_session_id": sid,
                }
                move("assigned", "parked", tech, meta)  # fmt: skip
                return
            auto = rng.random() < 0.5  # half stop the timer themselves, half send it to QC
            sid = work("sent_to_qc" if auto else "stopped")
            at += 60 * rng.randint(0, 5)
            stopped = sid if auto else "null"
            move("waiting_qc", "to_waiting_qc", tech, f'{{"stopped_work_session_id": {stopped}}}')

        def qc(passed: bool, first_pass: bool) -> None:
            nonlocal at
            at += 60 * rng.randint(10, 240)
            inspector = rng.choice(QC_IDS)
            if not passed:
                move("rework", "qc_fail", inspector, {}, note="Brakes still squeal")
                return
            base = math.ceil(srt / 20)
            bonus = 1 if first_pass else 0
            meta = {"first_pass": first_pass, "xp_base": base, "xp_bonus": bonus,
                    "xp_paid": base + bonus}  # fmt: skip
            move("done", "qc_pass", inspector, meta)
            payload = f'{{"ticket_id": {tid}, "srt_total_minutes": {srt}}}'
            xp.append([tech, base, "ticket_base_xp", f"ticket_base_xp:{tid}",
                       f"Base XP for ticket #{tid}: {title}", payload, at])  # fmt: skip
            if bonus:
                why = f"First-pass QC bonus for ticket #{tid}: {title}"
                xp.append([tech, bonus, "ticket_qc_first_pass_bonus",
                           f"ticket_qc_first_pass_bonus:{tid}", why, payload, at])  # fmt: skip

        title = rng.choice(TITLES)
        code = f"RM-{bike:06d}"
        move("new", "created", MASTER_ID,
             f'{{"bike_code": "{code}", "bike_created_during_intake": false, '
             f'"bike_creation_reason": null, "checklist_items_count": {len(CHECKLIST)}, '
             f'"srt_total_minutes": {srt}, "srt_approved": true}}')  # fmt: skip
        assigned_at = done_at = None
        if target != "new":
            at += 60 * rng.randint(5, 120)
            move("assigned", "assigned", MANAGER_ID,
                 {"technician_id": tech, "previous_technician_id": None})  # fmt: skip
            assigned_at = at
        if target in STARTED_TARGETS or target == "done":
            if park:
                cycle("parked")
            if target != "parked":
                for _ in range(fails):
                    cycle("qc")
                    qc(passed=False, first_pass=False)
                if target == "in_progress":
                    cycle(("running", "paused")[tid % 2])
                elif target != "rework":
                    cycle("qc")
                if target == "done":
                    qc(passed=True, first_pass=fails == 0)
                    done_at = at
        started_at = next((r[7] for r in transitions if r[3] == "started"), None)
        # An open ticket's history ends a little before the end of the data.
        shift = max(0, at - (self.end - 60 * (self.spec.tickets - i)))
        if target == "done":
            shift = max(0, at - (self.end - 86_400))

        def t(epoch: int | None) -> str | None:
            return None if epoch is None else w.ts(epoch - shift)

        updated = transitions[-1][7]
        out["tickets"].append((tid, bike, MASTER_ID, None if target == "new" else tech, title,
                               self.checklist, srt, MASTER_ID, t(created),
                               srt if target == "done" else 0,
                               "assigned" if target == "parked" else status,
                               t(assigned_at), t(started_at), t(done_at), t(created),
                               t(updated)))  # fmt: skip
        for row in transitions:
            out["ticket_transitions"].append(
                (self._next("ticket_transitions"), *row[:7], t(row[7]))
            )
        for s in sessions:
            out["work_sessions"].append((s[0], s[1], s[2], s[3], t(s[4]), t(s[5]), t(s[6]),
                                         s[7], t(s[8]), t(s[9])))  # fmt: skip
        for e in events:
            when = t(e[6])
            out["work_session_events"].append(
                (self._next("work_session_events"), *e[:6], when, e[7], when)
            )
        for x in xp:
            out["xp_ledger"].append((self._next("xp_ledger"), *x[:6], t(x[6])))


# --- writing them ------------------------------------------------------------------------


def _pg_line(row: Row) -> str:
    return "\t".join(["\\N" if v is None else str(v) for v in row])


def _write_sqlite(raw: Any, table: str, rows: list[Row]) -> None:
    cols = COLUMNS[table]
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"  # noqa: S608
    raw.executemany(sql, rows)


def _write_postgres(raw: Any, table: str, rows: list[Row]) -> None:
    sql = f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN"
    with raw.cursor() as cur, cur.copy(sql) as copy:
        lines = [_pg_line(r) for r in rows]
        for start in range(0, len(lines), 20_000):
            copy.write("\n".join(lines[start : start + 20_000]) + "\n")


def _set_aside(raw: Any, postgres: bool) -> list[str]:
    """Drop the loaded tables' secondary indexes (and, on SQLite, their triggers) for the
    load; the statements that make them again. Building an index once over a million
    rows is far cheaper than keeping it up to date row by row; on PostgreSQL the
    triggers are skipped by the replication role instead."""
    names = list(TABLES)
    if postgres:
        found = raw.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            (names,),
        ).fetchall()
        kinds = ["INDEX"] * len(found)
    else:
        marks = ", ".join("?" * len(names))
        rows = raw.execute(
            f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "  # noqa: S608
            f"AND tbl_name IN ({marks}) AND sql IS NOT NULL",
            names,
        ).fetchall()
        kinds = [kind.upper() for kind, _, _ in rows]
        found = [(name, sql) for _, name, sql in rows]
    for kind, (name, _) in zip(kinds, found, strict=True):
        raw.execute(f'DROP {kind} "{name}"')
    return [sql for _, sql in found]


def load(engine: Engine, spec: ShopSpec) -> Loaded:
    """Bulk-load ``spec``'s shop into the migrated, empty database behind ``engine``."""
    dialect = engine.dialect.name
    gen = _Generator(spec, _Writer(dialect))
    write: Callable[[Any, str, list[Row]], None] = (
        _write_postgres if dialect == "postgresql" else _write_sqlite
    )
    loaded = Loaded(technician_ids=gen.techs)
    began = time.perf_counter()
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        if dialect == "postgresql":
            superuser = raw.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if superuser.fetchone()[0]:
                # The rows are consistent by construction; skip the per-row triggers.
                raw.execute("SET LOCAL session_replication_role = replica")
        else:
            raw.execute("PRAGMA foreign_keys=OFF")  # only outside a transaction
            raw.execute("BEGIN")
        recreate = _set_aside(raw, dialect == "postgresql")

        def put(table: str, rows: list[Row]) -> None:
            if rows:
                write(raw, table, rows)
            loaded.rows[table] = loaded.rows.get(table, 0) + len(rows)

        for table, rows in gen.people().items():
            put(table, rows)
        put("bikes", gen.bike_rows())
        for batch in gen.batches():
            for table in TABLES[3:]:
                put(table, batch[table])
        for sql in recreate:
            raw.execute(sql)
        if dialect == "postgresql":
            for table in ("users", "bikes", "tickets", *TABLES[4:]):
                raw.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
            # Statistics before after_bulk_load: its recomputation needs sane plans.
            raw.execute("ANALYZE")
            raw.commit()
        else:
            raw.execute("COMMIT")
            raw.execute("PRAGMA foreign_keys=ON")
    loaded.phases["rows"] = time.perf_counter() - began
    with engine.begin() as conn:
        after_bulk_load(conn)
    loaded.phases["after_bulk_load"] = time.perf_counter() - began - loaded.phases["rows"]
    if dialect == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    loaded.seconds = time.perf_counter() - began
    if dialect == "postgresql":
        loaded.phases["vacuum analyze"] = loaded.seconds - sum(loaded.phases.values())
    return loaded


def after_bulk_load(connection: Connection) -> None:
    """Bring what the shop derives from its history up to date after a bulk load.

    The maintained counters and daily rollups (``shopfloor.domain.rollups``, where that
    module exists) are recomputed from the audit tables, in ``connection``'s transaction.
    """
    if importlib.util.find_spec("shopfloor.domain.rollups") is None:
        return
    rollups = importlib.import_module("shopfloor.domain.rollups")
    rollups.rebuild(connection)
    if importlib.util.find_spec("shopfloor.domain.search_index") is not None:
        # The bulk load skipped the triggers that keep the search index.
        index = importlib.import_module("shopfloor.domain.search_index")
        index.rebuild_search_index(connection)


# --- databases and people ----------------------------------------------------------------


def build(url: str, spec: ShopSpec) -> Loaded:
    """Migrate the empty database at ``url`` and load ``spec``'s shop into it."""
    from shopfloor.domain.database import create_db_engine, upgrade

    engine = create_db_engine(url)
    try:
        upgrade(engine)
        return load(engine, spec)
    finally:
        engine.dispose()


def add_users(url: str, users: dict[str, list[str]], password: str = PASSWORD) -> list[int]:
    """Users (name -> roles) who can log in with ``password``; their ids. Cheap argon2
    parameters: logins are not what is measured."""
    from argon2 import PasswordHasher

    from shopfloor.domain import Shop, create_user
    from shopfloor.domain.database import create_db_engine

    shop = Shop(create_db_engine(url),
                hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))  # fmt: skip
    try:
        return [create_user(shop, None, name, password, roles=roles).id
                for name, roles in users.items()]  # fmt: skip
    finally:
        shop.dispose()


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_reachable(admin_url: str = POSTGRES_ADMIN_URL) -> str | None:
    """None when PostgreSQL at ``admin_url`` answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(_libpq(admin_url), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {admin_url} is not reachable: {exc}".strip()


class PostgresScratch:
    """Scratch databases on one server, each a copy of one migrated template; all are
    dropped on :meth:`close`."""

    def __init__(self, admin_url: str = POSTGRES_ADMIN_URL) -> None:
        self.admin = _libpq(admin_url)
        self.prefix = f"shopfloor_bench_{uuid.uuid4().hex[:6]}"
        self.names: list[str] = []
        self.template: str | None = None

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type,unused-ignore]

    def url(self, name: str) -> str:
        return make_url(self.admin).set(database=name).render_as_string(hide_password=False)

    def create(self, label: str) -> str:
        """The URL of a new, migrated, empty database."""
        from shopfloor.domain.database import create_db_engine, upgrade

        if self.template is None:
            self.template = f"{self.prefix}_template"
            self._execute(f'CREATE DATABASE "{self.template}"')
            self.names.append(self.template)
            engine = create_db_engine(self.url(self.template))
            upgrade(engine)
            engine.dispose()
        name = f"{self.prefix}_{label}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}" STRATEGY FILE_COPY')
        self.names.append(name)
        return self.url(name)

    def close(self) -> None:
        for name in reversed(self.names):
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.names.clear()


@contextmanager
def postgres_scratch(admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[PostgresScratch]:
    scratch = PostgresScratch(admin_url)
    try:
        yield scratch
    finally:
        scratch.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="an empty database (SQLite file or PG)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--tickets", type=int, default=10_000)
    size.add_argument("--million", action="store_true", help="about 1,000,000 transitions")
    who = f"add users bench-master, bench-tech, bench-qc, bench-manager; password {PASSWORD}"
    parser.add_argument("--login", action="store_true", help=who)
    args = parser.parse_args()
    tickets = tickets_for_transitions(1_000_000) if args.million else args.tickets
    loaded = build(args.url, ShopSpec(tickets))
    print(loaded.summary())
    if args.login:
        roles = {"master": "master", "tech": "technician", "qc": "qc_inspector",
                 "manager": "ops_manager"}  # fmt: skip
        add_users(args.url, {f"bench-{name}": [role] for name, role in roles.items()})


if __name__ == "__main__":
    main()
