"""Benchmark: do ordinary writes stay fast while 16 clients log in at once?

Starts ``shopfloor serve`` on a fresh SQLite shop and on a fresh PostgreSQL
database, and on each times one client's ordinary writes (``POST
bikes/create/``, one after another on a keep-alive connection) with no logins
running, then during a burst of 16 clients logging in back to back (real argon2
parameters; half real users, half unknown usernames, each request from its own
forwarded address so the throttle counts but never refuses). Phases alternate
over several rounds so drift in the machine's load spreads evenly; samples are
pooled per phase. Prints p50 and max write latency and the ratio to the no-burst
baseline measured in the same run. Not part of the test suite.

    .venv/bin/python bench/login_burst.py [--writes 150] [--rounds 3] [--clients 16]

PostgreSQL comes from ``SHOPFLOOR_BENCH_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``); a scratch database is made
there and dropped afterwards. Without a reachable server that row is skipped.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-" + "x" * 60
PASSWORD = "bench-password"  # noqa: S105 - the bench users' throwaway password
POSTGRES_URL = os.environ.get(
    "SHOPFLOOR_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(url: str, clients: int) -> None:
    """A migrated shop with a master (the writer) and a user per burst client."""
    from shopfloor.domain import Shop, create_user
    from shopfloor.domain.database import create_db_engine, upgrade

    engine = create_db_engine(url)
    upgrade(engine)
    shop = Shop(engine)  # default argon2 parameters: the burst pays the real cost
    try:
        create_user(shop, None, "writer", PASSWORD, roles=["master"])
        for n in range(clients):
            create_user(shop, None, f"user{n}", PASSWORD)
    finally:
        shop.dispose()


@contextmanager
def sqlite_shop() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{tmp}/bench.sqlite3"


@contextmanager
def postgres_shop() -> Iterator[str]:
    from sqlalchemy.engine import make_url

    admin = make_url(POSTGRES_URL).set(drivername="postgresql")
    name = f"shopfloor_bench_{uuid.uuid4().hex[:8]}"
    libpq = admin.render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def start(url: str, data_dir: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "SHOPFLOOR_DATABASE_URL": url,
        "SHOPFLOOR_DATA_DIR": data_dir,
        "SHOPFLOOR_SECRET_KEY": SECRET,
        # The burst's forwarded addresses are believed only from this proxy: ourselves.
        "SHOPFLOOR_TRUSTED_PROXIES": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "shopfloor.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/api/v1/misc/health/")
            if conn.getresponse().status == 200:
                conn.close()
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def post(
    conn: http.client.HTTPConnection, path: str, body: object, headers: dict[str, str]
) -> tuple[int, dict[str, object]]:
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json", **headers})
    response = conn.getresponse()
    return response.status, json.loads(response.read())


REFUSED_WRITES: dict[str, int] = {}


class Burst:
    """``clients`` threads logging in back to back until stopped."""

    def __init__(self, port: int, clients: int) -> None:
        self.port = port
        self.clients = clients
        self.running = threading.Event()
        self.stop = threading.Event()
        self.statuses: dict[int, int] = {}
        self._lock = threading.Lock()
        self._sent = 0

    def _client(self, n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while not self.stop.is_set():
            if not self.running.wait(timeout=0.05):
                continue
            with self._lock:
                self._sent += 1
                sent = self._sent
            username = f"user{n}" if n % 2 == 0 else f"ghost-{n}-{sent}"
            forwarded = f"10.{n}.{sent // 256 % 256}.{sent % 256}"
            status, _ = post(
                conn,
                "/api/v1/auth/login/",
                {"username": username, "password": PASSWORD},
                {"X-Forwarded-For": forwarded},
            )
            with self._lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
        conn.close()

    def __enter__(self) -> Burst:
        self.threads = [
            threading.Thread(target=self._client, args=(n,), daemon=True)
            for n in range(self.clients)
        ]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.running.set()
        for thread in self.threads:
            thread.join(timeout=60)


def writes(port: int, token: str, count: int, prefix: str) -> list[float]:
    """Latencies (ms) of ``count`` bike creations, one after another.

    A write the server refuses (503, the database busy) counts with its latency,
    and is reported.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    samples: list[float] = []
    for n in range(count):
        began = time.perf_counter()
        status, body = post(
            conn,
            "/api/v1/bikes/create/",
            {"bike_code": f"RM-{prefix}{n:04d}"},
            {"Authorization": f"Bearer {token}"},
        )
        samples.append((time.perf_counter() - began) * 1000)
        if status != 201:
            REFUSED_WRITES[prefix[0]] = REFUSED_WRITES.get(prefix[0], 0) + 1
            print(f"  a write was refused ({status}): {body.get('message')}")
    conn.close()
    return samples


def run(url: str, args: argparse.Namespace) -> dict[str, list[float]]:
    seed(url, args.clients)
    with tempfile.TemporaryDirectory() as data_dir:
        proc, port = start(url, data_dir)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            _, body = post(
                conn, "/api/v1/auth/login/", {"username": "writer", "password": PASSWORD}, {}
            )
            conn.close()
            data = body["data"]
            assert isinstance(data, dict)
            token = str(data["access"])
            writes(port, token, 20, "WARM")  # imports, pools, caches
            samples: dict[str, list[float]] = {"no burst": [], "burst": []}
            with Burst(port, args.clients) as burst:
                for r in range(args.rounds):
                    per_round = args.writes // args.rounds
                    burst.running.clear()
                    samples["no burst"] += writes(port, token, per_round, f"B{r}")
                    burst.running.set()
                    time.sleep(0.5)  # let all 16 clients get going
                    samples["burst"] += writes(port, token, per_round, f"L{r}")
                    burst.running.clear()
                    time.sleep(1.0)  # let the logins in flight finish
            print(f"  logins answered during the burst: {dict(sorted(burst.statuses.items()))}")
            return samples
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=150, help="per phase, over all rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    results: dict[str, dict[str, list[float]]] = {}
    for name, shop in (("SQLite", sqlite_shop), ("PostgreSQL", postgres_shop)):
        print(f"{name}:")
        try:
            with shop() as url:
                results[name] = run(url, args)
        except psycopg.OperationalError as exc:  # no PostgreSQL here: skip its row
            print(f"  skipped: {exc}")
    print(
        f"\n{args.writes} writes per phase in {args.rounds} alternating rounds; "
        f"burst = {args.clients} clients logging in back to back\n"
    )
    header = ("database", "phase", "p50 ms", "max ms", "p50 x", "max x")
    print("{:<12}{:<10}{:>9}{:>10}{:>8}{:>8}".format(*header))
    for name, phases in results.items():
        base = phases["no burst"]
        b50, bmax = statistics.median(base), max(base)
        for phase, values in phases.items():
            p50, top = statistics.median(values), max(values)
            row = (name, phase, p50, top, p50 / b50, top / bmax)
            print("{:<12}{:<10}{:>9.1f}{:>10.1f}{:>8.2f}{:>8.2f}".format(*row))


if __name__ == "__main__":
    main()
