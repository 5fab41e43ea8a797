"""Issue 13's measures, each against a baseline measured in the same run where one exists.

    .venv/bin/python bench/run.py --quick             # shops of 10,000 and 100,000 tickets
    .venv/bin/python bench/run.py --full              # the same, more rounds
    .venv/bin/python bench/run.py --full --million    # plus shops of 100k and 1M transitions
    .venv/bin/python bench/run.py --smoke --no-write  # the smallest run (CI)

The command builds its own data (``bench/data.py``: realistic histories bulk-loaded in
SQL) in scratch PostgreSQL databases (``SHOPFLOOR_BENCH_POSTGRES_URL``, default
``postgresql://postgres@127.0.0.1:5432/postgres``; dropped afterwards). Rounds alternate
between a measure and its baseline, so drift in the machine's load falls on both:

- TUI cold start to the login screen vs a Textual hello world; wall time, peak RSS.
- The in-process domain workflow on SQLite (5 write transactions) vs raw ``sqlite3``
  doing 5 transactions of the same shape on a minimal schema.
- The 7-request HTTP workflow (``bench/workflow_client.py``) against ``shopfloor serve``
  (1 worker) on PostgreSQL: workflows/s (vs the original's 4.5, measured in issue 13:
  the original is not runnable here), server CPU per workflow (utime + stime of the
  server's processes), SQL statements per workflow (``bench/pg_statement_counter.py``).
- ``GET tickets/?per_page=50`` p50 vs ``misc/health/`` (a bare endpoint: no auth, no
  database) on the same server, per shop size; statements per request; how the p50
  grows from the smallest shop to the largest.
- ``analytics/fleet/`` and ``analytics/team/?days=30`` p50 on the largest shop, and how
  they grow from the smaller one (every shop's last 90 days hold the same rows).

Statements are counted on a second server process on the same database that talks
to PostgreSQL through the counting proxy, so the timed server pays no proxy hop.
Writes ``bench/results.json`` and the table between the markers in ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import data  # noqa: E402
from bench.api_workers import SECRET, free_port  # noqa: E402
from bench.pg_statement_counter import CounterProxy  # noqa: E402
from bench.workflow_client import Credentials, WorkflowClient, WorkflowStats  # noqa: E402

README = ROOT / "bench" / "README.md"
RESULTS = ROOT / "bench" / "results.json"
BEGIN, END = "<!-- bench/run.py results -->", "<!-- end bench/run.py results -->"
POSTGRES_URL = os.environ.get("SHOPFLOOR_BENCH_POSTGRES_URL", data.POSTGRES_ADMIN_URL)
ORIGINAL_WF_PER_S = 4.5  # the original Django/DRF system, measured in issue 13
ORIGINAL_STATEMENTS = 76  # per workflow, the same measurement
ORIGINAL_NOTE = "the original (Django/DRF), measured in issue 13; not runnable here"
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    """One row of results.json. ``compare`` says how ``met`` was decided: ``ratio <=``
    or ``ratio >=`` (``ratio`` = value / baseline) or ``value <=`` (target in ``unit``);
    ``note`` says where a baseline comes from when it was not measured in this run."""

    name: str
    value: float
    unit: str
    baseline: float | None
    ratio: float | None
    target: float
    met: bool
    compare: str = "ratio <="
    note: str = ""


def result(name: str, value: float, unit: str, baseline: float, target: float,
           compare: str = "ratio <=", note: str = "") -> Result:  # fmt: skip
    """A row against a baseline: ``met`` when the ratio is within ``target``."""
    ratio = value / baseline
    met = ratio >= target if compare == "ratio >=" else ratio <= target
    return Result(name, round(value, 3), unit, round(baseline, 3), round(ratio, 3), target,
                  met, compare, note)  # fmt: skip


def limit(name: str, value: float, unit: str, most: float, baseline: float | None = None,
          note: str = "") -> Result:  # fmt: skip
    """A row with an absolute target: ``met`` when ``value <= most``."""
    ratio = None if baseline is None else round(value / baseline, 3)
    return Result(name, round(value, 3), unit, baseline, ratio, most, value <= most,
                  "value <=", note)  # fmt: skip


# --- TUI cold start -------------------------------------------------------------------------

# Peak RSS of the child since its exec (``ru_maxrss`` would count this runner's memory).
PEAK_RSS = textwrap.dedent(
    """
    def peak_rss_kib():
        for line in open("/proc/self/status").read().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0
    """
)
# Each child prints "<seconds since its own start> <peak RSS KiB>" once the screen shows;
# the parent adds the interpreter's start-up by timing the whole process to that line.
SHOPFLOOR_START = textwrap.dedent(
    """
    from shopfloor import cli  # the console script's module: its imports count
    from shopfloor.app import ShopfloorApp
    from shopfloor.screens.login_screen import LoginScreen


    def open_shop():  # as cli.cmd_tui does: in the app's worker
        from shopfloor.bootstrap import open_shop

        return open_shop(settings.database_url)


    settings = cli.load_settings()
    app = ShopfloorApp(None, settings, open_shop=open_shop)

    async def shown(pilot):
        while not isinstance(app.screen, LoginScreen) or not app.screen.is_mounted:
            await pilot.pause()
        print("ready", peak_rss_kib(), flush=True)
        app.exit()

    app.run(headless=True, auto_pilot=shown)
    """
)
HELLO_START = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Static

    class Hello(App[None]):
        def compose(self):
            yield Static("Hello, world")

    app = Hello()

    async def shown(pilot):
        await pilot.pause()
        print("ready", peak_rss_kib(), flush=True)
        app.exit()

    app.run(headless=True, auto_pilot=shown)
    """
)


def cold_start(script: str, env: dict[str, str]) -> tuple[float, float]:
    """Seconds from spawning a fresh interpreter to its first screen, and peak RSS (MiB)."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", PEAK_RSS + script],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    took = time.perf_counter() - began
    proc.communicate(timeout=60)
    if not line.startswith("ready"):
        raise RuntimeError(f"no screen: {line!r}")
    return took, int(line.split()[1]) / 1024


def bench_tui(rounds: int, env: dict[str, str]) -> list[Result]:
    samples: dict[str, list[tuple[float, float]]] = {"shopfloor": [], "hello": []}
    for _ in range(rounds):
        samples["shopfloor"].append(cold_start(SHOPFLOOR_START, env))
        samples["hello"].append(cold_start(HELLO_START, env))
    med = {k: [statistics.median(x[i] for x in v) for i in (0, 1)] for k, v in samples.items()}
    return [
        result("TUI cold start to login", med["shopfloor"][0], "s", med["hello"][0], 1.5),
        result("TUI peak RSS at login", med["shopfloor"][1], "MiB", med["hello"][1], 1.5),
    ]


# --- in-process domain workflow -----------------------------------------------------------


def domain_workflow(url: str, count: int) -> Callable[[int], None]:
    """A shop with the people the workflow needs; the returned call runs workflow ``n``."""
    from argon2 import PasswordHasher

    from shopfloor.bootstrap import open_shop
    from shopfloor.domain import (
        assign_ticket,
        create_bikes,
        create_ticket,
        create_user,
        qc_pass,
        send_to_qc,
        start_work_session,
    )

    shop = open_shop(url)
    shop.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    master = create_user(shop, None, "wf-master", "bench-pw", roles=["master"]).id
    manager = create_user(shop, None, "wf-manager", "bench-pw", roles=["ops_manager"]).id
    tech = create_user(shop, None, "wf-tech", "bench-pw", roles=["technician"]).id
    qc = create_user(shop, None, "wf-qc", "bench-pw", roles=["qc_inspector"]).id
    create_bikes(shop, None, [f"RM-WF{n:06d}" for n in range(count)])

    def run(n: int) -> None:
        ticket = create_ticket(
            shop,
            master,
            bike_code=f"RM-WF{n:06d}",
            title="Service",
            checklist=data.CHECKLIST,
            srt_total_minutes=30,
            approve_srt=True,
        )
        assign_ticket(shop, manager, ticket.id, tech)
        start_work_session(shop, tech, ticket.id)
        send_to_qc(shop, tech, ticket.id)
        qc_pass(shop, qc, ticket.id)

    return run


RAW_SCHEMA = """
CREATE TABLE tickets (id INTEGER PRIMARY KEY, bike TEXT NOT NULL, status TEXT NOT NULL,
    technician INTEGER, updated_at TEXT NOT NULL);
CREATE UNIQUE INDEX one_active ON tickets (bike) WHERE status != 'done';
CREATE TABLE transitions (id INTEGER PRIMARY KEY, ticket INTEGER NOT NULL, frm TEXT,
    "to" TEXT NOT NULL, actor INTEGER NOT NULL, at TEXT NOT NULL);
CREATE TABLE work_sessions (id INTEGER PRIMARY KEY, ticket INTEGER NOT NULL,
    technician INTEGER NOT NULL, status TEXT NOT NULL);
CREATE TABLE work_session_events (id INTEGER PRIMARY KEY, session INTEGER NOT NULL,
    action TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE xp (id INTEGER PRIMARY KEY, ticket INTEGER NOT NULL, technician INTEGER NOT NULL,
    amount INTEGER NOT NULL, at TEXT NOT NULL);
"""


def raw_workflow(path: Path) -> Callable[[int], None]:
    """The same 5 write transactions in plain sqlite3 (WAL, like the shop's SQLite)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(RAW_SCHEMA)

    def step(ticket: int, frm: str, to: str, actor: int, extra: Callable[[str], None]) -> None:
        now = datetime.now(UTC).isoformat()
        db.execute("BEGIN IMMEDIATE")
        (status,) = db.execute("SELECT status FROM tickets WHERE id = ?", (ticket,)).fetchone()
        assert status == frm
        db.execute("UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?", (to, now, ticket))
        db.execute('INSERT INTO transitions (ticket, frm, "to", actor, at) VALUES (?, ?, ?, ?, ?)',
                   (ticket, frm, to, actor, now))  # fmt: skip
        extra(now)
        db.execute("COMMIT")

    def run(n: int) -> None:
        now = datetime.now(UTC).isoformat()
        db.execute("BEGIN IMMEDIATE")
        ticket = db.execute("INSERT INTO tickets (bike, status, updated_at) VALUES (?, 'new', ?)",
                            (f"RM-WF{n:06d}", now)).lastrowid  # fmt: skip
        assert ticket is not None
        db.execute("INSERT INTO transitions (ticket, frm, \"to\", actor, at) "
                   "VALUES (?, NULL, 'new', 1, ?)", (ticket, now))  # fmt: skip
        db.execute("COMMIT")
        step(ticket, "new", "assigned", 2, lambda _: None)

        def open_session(at: str) -> None:
            sid = db.execute("INSERT INTO work_sessions (ticket, technician, status) "
                             "VALUES (?, 3, 'running')", (ticket,)).lastrowid  # fmt: skip
            db.execute("INSERT INTO work_session_events (session, action, at) "
                       "VALUES (?, 'start', ?)", (sid, at))  # fmt: skip

        def close_session(at: str) -> None:
            (sid,) = db.execute("SELECT id FROM work_sessions WHERE ticket = ? AND status = "
                                "'running'", (ticket,)).fetchone()  # fmt: skip
            db.execute("UPDATE work_sessions SET status = 'stopped' WHERE id = ?", (sid,))
            db.execute("INSERT INTO work_session_events (session, action, at) "
                       "VALUES (?, 'stop', ?)", (sid, at))  # fmt: skip

        def award(at: str) -> None:
            db.execute("INSERT INTO xp (ticket, technician, amount, at) VALUES (?, 3, 30, ?)",
                       (ticket, at))  # fmt: skip

        step(ticket, "assigned", "in_progress", 3, open_session)
        step(ticket, "in_progress", "waiting_qc", 3, close_session)
        step(ticket, "waiting_qc", "done", 4, award)

    return run


def bench_domain(rounds: int, per_round: int, tmp: Path) -> list[Result]:
    shop_run = domain_workflow(f"sqlite:///{tmp / 'workflow.sqlite3'}", rounds * per_round)
    raw_run = raw_workflow(tmp / "raw.sqlite3")
    rates: dict[str, list[float]] = {"shop": [], "raw": []}
    n = 0
    for _ in range(rounds):
        for name, run in (("shop", shop_run), ("raw", raw_run)):
            began = time.perf_counter()
            for i in range(per_round):
                run(n + i)
            rates[name].append(per_round / (time.perf_counter() - began))
        n += per_round
    shop, raw = statistics.median(rates["shop"]), statistics.median(rates["raw"])
    return [result("domain workflow on SQLite vs raw sqlite3", shop, "wf/s", raw, 0.1, "ratio >=")]


# --- over HTTP, on PostgreSQL -----------------------------------------------------------------


@dataclass
class LoadedShop:
    """A loaded scratch database and what it holds."""

    url: str
    tickets: int
    transitions: int

    @property
    def label(self) -> str:
        return f"{self.tickets:,} tickets ({self.transitions:,} transitions)"


class Server:
    """``shopfloor serve`` (1 worker) as a real process on ``url``."""

    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "shopfloor.cli", "serve", "--port", str(self.port),
                   "--workers", "1"]  # fmt: skip
        self.proc = subprocess.Popen(
            command, env={**env, "SHOPFLOOR_DATABASE_URL": url}, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}/api/v1"

    def wait_ready(self) -> Server:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"shopfloor serve exited with {self.proc.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/api/v1/misc/health/")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("shopfloor serve did not start")

    def cpu_seconds(self) -> float:
        """utime + stime of the server and every process under it, from /proc."""
        parents: dict[int, int] = {}
        times: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            times[int(entry.name)] = int(fields[11]) + int(fields[12])
        tree, frontier = {self.proc.pid}, [self.proc.pid]
        while frontier:
            parent = frontier.pop()
            children = [pid for pid, ppid in parents.items() if ppid == parent]
            tree.update(children)
            frontier += children
        return sum(times.get(pid, 0) for pid in tree) / CLK_TCK

    def stop(self) -> None:
        stop(self)


def stop(*servers: Server) -> None:
    """Terminate the servers together, then wait for each (shutdowns overlap)."""
    for server in servers:
        server.proc.terminate()
    for server in servers:
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.proc.kill()


def login(port: int, username: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"username": username, "password": data.PASSWORD})
    conn.request("POST", "/api/v1/auth/login/", body, {"Content-Type": "application/json"})
    token: str = json.loads(conn.getresponse().read())["data"]["access"]
    conn.close()
    return token


def sample(conn: http.client.HTTPConnection, path: str, token: str, n: int) -> list[float]:
    """Latencies (ms) of ``n`` GETs back to back on one keep-alive connection."""
    headers = {"Authorization": f"Bearer {token}"}
    out = []
    for _ in range(n):
        began = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        out.append((time.perf_counter() - began) * 1000)
        assert response.status == 200, (path, response.status)
    return out


LIST, HEALTH = "/api/v1/tickets/?per_page=50", "/api/v1/misc/health/"
FLEET, TEAM = "/api/v1/analytics/fleet/", "/api/v1/analytics/team/?days=30"


@dataclass
class ShopTimes:
    """What was measured on one shop."""

    shop: LoadedShop
    ms: dict[str, list[float]]
    statements: dict[str, float]


class Bench:
    """Scratch databases, servers and the statement counter for the HTTP measures."""

    def __init__(self, scratch: data.PostgresScratch, env: dict[str, str],
                 proxy: CounterProxy) -> None:  # fmt: skip
        self.scratch = scratch
        self.env = env
        self.proxy = proxy

    def shop(self, tickets: int) -> LoadedShop:
        url = self.scratch.create(f"t{tickets}")
        loaded = data.build(url, data.ShopSpec(tickets))
        print(f"  loaded {loaded.summary()}", flush=True)
        data.add_users(url, {"bench": ["ops_manager", "master"], "wf-master": ["master"],
                             "wf-tech": ["technician"], "wf-qc": ["qc_inspector"]})  # fmt: skip
        return LoadedShop(url, loaded.tickets, loaded.transitions)

    def counted_url(self, url: str) -> str:
        from sqlalchemy.engine import make_url

        return (
            make_url(url)
            .set(host="127.0.0.1", port=self.proxy.port)
            .render_as_string(hide_password=False)
        )

    def servers(self, shop: LoadedShop) -> tuple[Server, Server]:
        """One server timed, one on the same database through the counting proxy."""
        timed, counted = Server(shop.url, self.env), Server(self.counted_url(shop.url), self.env)
        try:
            return timed.wait_ready(), counted.wait_ready()
        except BaseException:
            stop(timed, counted)
            raise

    def statements(self, server: Server, path: str, n: int) -> float:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        token = login(server.port, "bench")
        sample(conn, path, token, 2)  # warm: first-use queries are not per request
        self.proxy.reset()
        sample(conn, path, token, n)
        conn.close()
        return self.proxy.snapshot()["total"] / n

    def measure(self, shop: LoadedShop, plan: dict[str, int], paths: tuple[str, ...],
                workflow: bool = False) -> tuple[ShopTimes, list[Result]]:  # fmt: skip
        """The reads in ``paths`` on ``shop`` (and the HTTP workflow), on one pair of servers."""
        timed, counted = self.servers(shop)
        try:
            times = self.reads(shop, timed, counted, plan, paths)
            results = self.workflow(shop, timed, counted, plan) if workflow else []
        finally:
            stop(timed, counted)
        return times, results

    def reads(self, shop: LoadedShop, timed: Server, counted: Server, plan: dict[str, int],
              paths: tuple[str, ...]) -> ShopTimes:  # fmt: skip
        token = login(timed.port, "bench")
        conn = http.client.HTTPConnection("127.0.0.1", timed.port, timeout=60)
        per_path = {p: plan["requests"] if p in (LIST, HEALTH) else plan["analytics"]
                    for p in paths}  # fmt: skip
        for path in paths:
            sample(conn, path, token, max(3, per_path[path] // 10))  # warm up
        ms: dict[str, list[float]] = {p: [] for p in paths}
        for _ in range(plan["rounds"]):
            for path in paths:
                ms[path] += sample(conn, path, token, per_path[path])
        conn.close()
        statements = {p: self.statements(counted, p, 5) for p in paths if p != HEALTH}
        return ShopTimes(shop, ms, statements)

    def workflow(self, shop: LoadedShop, timed: Server, counted: Server,
                 plan: dict[str, int]) -> list[Result]:  # fmt: skip
        names = ("wf-master", "wf-tech", "wf-qc")
        master, tech, qc = (Credentials(u, data.PASSWORD) for u in names)
        client = WorkflowClient(timed.base, master, tech, qc)
        client.login()
        client.run(3)  # warm up
        stats, cpu, n = WorkflowStats(), 0.0, 3
        for _ in range(plan["rounds"]):
            before = timed.cpu_seconds()
            client.run(plan["workflows"], start=n, stats=stats)
            cpu += timed.cpu_seconds() - before
            n += plan["workflows"]
        client.close()
        counter = WorkflowClient(counted.base, master, tech, qc)
        counter.login()
        counter.run(1)
        self.proxy.reset()
        k = max(3, min(plan["workflows"], 10))
        counter.run(k, start=1)
        counts = self.proxy.snapshot()
        counter.close()
        verbs = ", ".join(f"{v} {c / k:g}" for v, c in sorted(counts.items(), key=lambda x: -x[1])
                          if v not in ("total", "simple", "extended"))  # fmt: skip
        where = f"PostgreSQL, shopfloor serve 1 worker, {shop.tickets:,}-ticket shop"
        return [
            result(f"HTTP workflow (7 requests, one keep-alive client), {where}",
                   stats.per_second, "wf/s", ORIGINAL_WF_PER_S, 5.0, "ratio >=",
                   f"baseline: {ORIGINAL_NOTE}"),
            limit("server CPU per HTTP workflow", cpu * 1000 / stats.workflows, "ms", 15.0),
            limit("SQL statements per HTTP workflow", counts["total"] / k, "statements", 35,
                  baseline=ORIGINAL_STATEMENTS, note=f"baseline: {ORIGINAL_NOTE}; {verbs}"),
        ]  # fmt: skip


def read_results(times: list[ShopTimes], analytics: tuple[ShopTimes, ShopTimes]) -> list[Result]:
    """List vs bare endpoint per shop, its statements and flatness; analytics growth."""
    p50 = statistics.median
    out = []
    for t in times:
        out.append(result(f"GET tickets/?per_page=50 p50 vs misc/health/, {t.shop.label}",
                          p50(t.ms[LIST]), "ms", p50(t.ms[HEALTH]), 3))  # fmt: skip
        out.append(limit(f"SQL statements per GET tickets/?per_page=50, {t.shop.tickets:,} "
                         "tickets", t.statements[LIST], "statements", 3))  # fmt: skip
    small, big = times[0], times[-1]
    out.append(result(f"GET tickets/?per_page=50 p50 growth, {big.shop.tickets:,} vs "
                      f"{small.shop.tickets:,} tickets", p50(big.ms[LIST]), "ms",
                      p50(small.ms[LIST]), 1.2))  # fmt: skip
    low, high = analytics
    for path, name in ((FLEET, "analytics/fleet/"), (TEAM, "analytics/team/?days=30")):
        out.append(limit(f"{name} p50, {high.shop.label}", p50(high.ms[path]), "ms", 30,
                         note=f"{high.statements[path]:g} statements"))  # fmt: skip
        out.append(result(f"{name} p50 growth, {high.shop.label} vs {low.shop.label}",
                          p50(high.ms[path]), "ms", p50(low.ms[path]), 1.2))  # fmt: skip
    return out


def bench_http(plan: dict[str, int], million: bool, env: dict[str, str]) -> list[Result]:
    reason = data.postgres_reachable(POSTGRES_URL)
    if reason:
        raise SystemExit(f"{reason}; set SHOPFLOOR_BENCH_POSTGRES_URL to a server to use")
    upstream = make_url_address(POSTGRES_URL)
    proxy = CounterProxy(("127.0.0.1", 0), upstream).start()
    try:
        with data.postgres_scratch(POSTGRES_URL) as scratch:
            bench = Bench(scratch, env, proxy)
            sizes = [plan["small"], plan["large"]]
            if million:
                sizes.append(data.tickets_for_transitions(1_000_000))
            reads = (LIST, HEALTH, FLEET, TEAM)
            times: list[ShopTimes] = []
            results: list[Result] = []
            for i, tickets in enumerate(sizes):
                shop = bench.shop(tickets)
                # The workflow runs on the smallest shop, after its reads.
                times_i, found = bench.measure(shop, plan, reads, workflow=i == 0)
                times.append(times_i)
                results += found
            analytics = (times[0], times[1])
            if million:
                # The comparison: 100k transitions vs 1M, the same recent days.
                shop = bench.shop(data.tickets_for_transitions(100_000))
                low, _ = bench.measure(shop, plan, (FLEET, TEAM))
                analytics = (low, times[-1])
            return results + read_results(times, analytics)
    finally:
        proxy.stop()


def make_url_address(url: str) -> tuple[str, int]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.host or "127.0.0.1", parsed.port or 5432


# --- report -----------------------------------------------------------------------------------


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:,.3g} {unit}".strip() if abs(value) < 100 else f"{value:,.0f} {unit}".strip()


def table(results: list[Result], header: str) -> str:
    rows = [header, "", "| measure | shopfloor | baseline | ratio | target | met |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        target = {"ratio <=": f"ratio ≤ {r.target:g}", "ratio >=": f"ratio ≥ {r.target:g}",
                  "value <=": f"≤ {r.target:g} {r.unit}"}[r.compare]  # fmt: skip
        base = _num(r.baseline, r.unit) + (" ¹" if r.note.startswith("baseline:") else "")
        rows.append(f"| {r.name} | {_num(r.value, r.unit)} | {base} | {_num(r.ratio)} | "
                    f"{target} | {'yes' if r.met else '**no**'} |")  # fmt: skip
    if any(r.note.startswith("baseline:") for r in results):
        rows += ["", f"¹ {ORIGINAL_NOTE}."]
    details = [f"- {r.name}: {r.note.removeprefix('baseline: ' + ORIGINAL_NOTE).lstrip('; ')}"
               for r in results if r.note and r.note != f"baseline: {ORIGINAL_NOTE}"]  # fmt: skip
    if details:
        rows += ["", *details]
    return "\n".join(rows)


def write_readme(text: str) -> None:
    readme = README.read_text()
    if BEGIN in readme:
        before, rest = readme.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        readme = f"{before}{BEGIN}\n{text}\n{END}{after}"
    else:
        readme = f"{readme.rstrip()}\n\n{BEGIN}\n{text}\n{END}\n"
    README.write_text(readme)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_const", dest="size", const="quick")
    size.add_argument("--full", action="store_const", dest="size", const="full")
    size.add_argument("--smoke", action="store_const", dest="size", const="smoke",
                      help="the smallest run, to prove the command works (CI)")  # fmt: skip
    parser.add_argument("--million", action="store_true",
                        help="add shops of about 1,000,000 and 100,000 transitions")  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    # small/large: the two shops (tickets); rounds alternate; the rest are per round.
    plan = {
        "smoke": {"small": 200, "large": 2_000, "rounds": 1, "workflows": 3, "requests": 10,
                  "analytics": 3, "domain": 5},
        "quick": {"small": 10_000, "large": 100_000, "rounds": 3, "workflows": 20,
                  "requests": 100, "analytics": 20, "domain": 40},
        "full": {"small": 10_000, "large": 100_000, "rounds": 7, "workflows": 40,
                 "requests": 300, "analytics": 50, "domain": 100},
    }[args.size or "quick"]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        env = {**os.environ, "SHOPFLOOR_DATA_DIR": tmp_dir, "SHOPFLOOR_SECRET_KEY": SECRET,
               "PYTHONPATH": str(ROOT)}  # fmt: skip
        # The TUI starts as installed: the data directory's own SQLite file, no URL set
        # (a set SHOPFLOOR_DATABASE_URL is checked with SQLAlchemy's URL parser first).
        tui_env = {k: v for k, v in env.items() if k != "SHOPFLOOR_DATABASE_URL"}
        print("TUI cold start ...", flush=True)
        results = bench_tui(plan["rounds"], tui_env)
        print("domain workflow on SQLite ...", flush=True)
        results += bench_domain(plan["rounds"], plan["domain"], tmp)
        print("over HTTP on PostgreSQL ...", flush=True)
        results += bench_http(plan, args.million, env)
    stamp = datetime.now(UTC).replace(microsecond=0)
    flags = f"--{args.size or 'quick'}" + (" --million" if args.million else "")
    header = (f"`bench/run.py {flags}`, {stamp.isoformat()}, "
              f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
              f"{plan['rounds']} alternating rounds; peak RSS of this runner "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")  # fmt: skip
    text = table(results, header)
    print(text)
    if not args.no_write:
        RESULTS.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
        write_readme(text)


if __name__ == "__main__":
    main()
