"""Issue 13's measures, each against a baseline measured in the same run.

    .venv/bin/python bench/run.py --quick   # 10,000 tickets, few rounds (CI: --smoke)
    .venv/bin/python bench/run.py --full    # 100,000 tickets, more rounds

Rounds alternate between a measure and its baseline, so drift in the machine's load
falls on both; each ratio is taken from medians of the pooled samples:

- TUI cold start to the login screen (a fresh interpreter through ``shopfloor.cli``'s
  imports, settings and the app, until the login screen is mounted) vs a Textual hello
  world; wall time and peak RSS.
- The in-process domain workflow on SQLite (intake, assign, timer start, send to QC,
  QC pass: 5 write transactions) vs raw ``sqlite3`` doing 5 transactions of the same
  shape (read the ticket, update it, append the audit rows) on a minimal schema.
- ``GET tickets/?per_page=50`` vs a bare FastAPI endpoint on the same uvicorn server,
  real HTTP on one keep-alive connection, on a shop bulk-loaded in SQL.

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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_workers import SECRET, free_port, login, start  # noqa: E402
from bench.audit_verify import CHECKLIST, load  # noqa: E402

README = ROOT / "bench" / "README.md"
RESULTS = ROOT / "bench" / "results.json"
BEGIN, END = "<!-- bench/run.py results -->", "<!-- end bench/run.py results -->"


@dataclass
class Result:
    """One row of results.json: ``ratio`` = value / baseline; ``met`` = ratio <= target."""

    name: str
    value: float
    unit: str
    baseline: float
    ratio: float
    target: float
    met: bool


def result(name: str, value: float, unit: str, baseline: float, target: float) -> Result:
    ratio = value / baseline
    return Result(name, round(value, 3), unit, round(baseline, 3), round(ratio, 3), target,
                  ratio <= target)  # fmt: skip


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
            checklist=CHECKLIST,
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
    # Higher is better here: the ratio is raw / shop, so "<= 10" means shop >= 0.1x raw.
    return [Result("domain workflow on SQLite (raw sqlite3 / shop)", round(shop, 1), "wf/s",
                   round(raw, 1), round(raw / shop, 2), 10.0, raw / shop <= 10)]  # fmt: skip


# --- the list over HTTP -----------------------------------------------------------------------


def make_app() -> Any:
    """uvicorn factory: the shopfloor API plus one bare endpoint, in the same server."""
    from shopfloor.api.server import build_app
    from shopfloor.config import load_settings

    app = build_app(load_settings())

    @app.get("/bench/bare")
    def bare() -> dict[str, bool]:
        return {"ok": True}

    return app


def seed_api(url: str, tickets: int) -> None:
    """``tickets`` finished tickets bulk-loaded in SQL, plus a user who can log in."""
    from shopfloor.bootstrap import open_shop
    from shopfloor.domain import create_user

    shop = open_shop(url)
    try:
        load(shop.engine, tickets)
        create_user(shop, None, "bench", "bench-pw", roles=["master"])
    finally:
        shop.dispose()


def sample(conn: http.client.HTTPConnection, path: str, token: str, n: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    out = []
    for _ in range(n):
        began = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        out.append((time.perf_counter() - began) * 1000)
        assert response.status == 200, response.status
    return out


def bench_api(tickets: int, rounds: int, per_round: int, tmp: Path, env: dict[str, str]) -> Result:
    url = f"sqlite:///{tmp / 'api.sqlite3'}"
    seed_api(url, tickets)
    env = {**env, "SHOPFLOOR_DATABASE_URL": url}
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.run:make_app", "--factory",
               "--port", str(port), "--log-level", "warning"]  # fmt: skip
    server = start(command, env, port)
    try:
        token = login(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        paths = {"list": "/api/v1/tickets/?per_page=50", "bare": "/bench/bare"}
        for path in paths.values():
            sample(conn, path, token, 20)  # warm up
        got: dict[str, list[float]] = {"list": [], "bare": []}
        for _ in range(rounds):
            for name, path in paths.items():
                got[name] += sample(conn, path, token, per_round)
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
    label = f"GET tickets/?per_page=50 p50, {tickets:,} tickets"
    return result(label, statistics.median(got["list"]), "ms", statistics.median(got["bare"]), 3)


# --- report -----------------------------------------------------------------------------------


def table(results: list[Result], header: str) -> str:
    rows = [header, "", "| measure | shopfloor | baseline | ratio | target | met |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        rows.append(f"| {r.name} | {r.value:g} {r.unit} | {r.baseline:g} {r.unit} | "
                    f"{r.ratio:g} | ≤ {r.target:g} | {'yes' if r.met else '**no**'} |")  # fmt: skip
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
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    plan = {
        "smoke": {"tickets": 200, "rounds": 1, "workflows": 5, "requests": 20},
        "quick": {"tickets": 10_000, "rounds": 5, "workflows": 40, "requests": 200},
        "full": {"tickets": 100_000, "rounds": 9, "workflows": 100, "requests": 500},
    }[args.size or "quick"]
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        env = {**os.environ, "SHOPFLOOR_DATA_DIR": tmp_dir, "SHOPFLOOR_SECRET_KEY": SECRET,
               "SHOPFLOOR_DATABASE_URL": f"sqlite:///{tmp / 'tui.sqlite3'}",
               "PYTHONPATH": str(ROOT)}  # fmt: skip
        # The TUI starts as installed: the data directory's own SQLite file, no URL set
        # (a set SHOPFLOOR_DATABASE_URL is checked with SQLAlchemy's URL parser first).
        tui_env = {k: v for k, v in env.items() if k != "SHOPFLOOR_DATABASE_URL"}
        results = bench_tui(plan["rounds"], tui_env)
        results += bench_domain(plan["rounds"], plan["workflows"], tmp)
        results.append(bench_api(plan["tickets"], plan["rounds"], plan["requests"], tmp, env))
    stamp = datetime.now(UTC).replace(microsecond=0)
    header = (f"`bench/run.py --{args.size or 'quick'}`, {stamp.isoformat()}, "
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
