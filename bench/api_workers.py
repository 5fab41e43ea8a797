"""Benchmark: does the server with several workers answer one client as fast as with one?

Starts ``shopfloor serve`` at 1 and at 2 workers (and, for reference, uvicorn's own
``--workers 2`` mode) on a fresh SQLite shop, drives each with ONE keep-alive client
sending requests back to back, and prints p50/p95 latency and the ratio to the
1-worker baseline measured in the same run. Not part of the test suite.

    .venv/bin/python bench/api_workers.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fastapi import FastAPI

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.servers import SECRET, free_port, login, timed_gets  # noqa: E402


def make_app() -> FastAPI:
    """App factory for the uvicorn ``--workers`` reference run (settings from the env)."""
    from shopfloor.api.server import build_app
    from shopfloor.config import load_settings

    return build_app(load_settings())


def seed(url: str) -> None:
    """A migrated shop with one user and a few tickets to list."""
    from shopfloor.bootstrap import open_shop
    from shopfloor.domain import create_bike, create_ticket, create_user

    shop = open_shop(url)
    try:
        master = create_user(shop, None, "bench", "bench-pw", roles=["master"]).id
        for n in range(10):
            code = f"RM-B{n:03d}"
            create_bike(shop, master, code)
            create_ticket(
                shop,
                master,
                bike_code=code,
                title="Brake service",
                checklist=[f"Task {i}" for i in range(10)],
                srt_total_minutes=30,
                approve_srt=True,
            )
    finally:
        shop.dispose()


def _server_cpus() -> set[int] | None:
    """With two or more CPUs, servers get all but the first, which the client keeps:
    the client and the server then never steal each other's CPU, which is most of the
    noise in a tail latency."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    return set(cpus[1:]) if len(cpus) >= 2 else None


def _pin_server() -> None:
    cpus = _server_cpus()
    if cpus:
        os.sched_setaffinity(0, cpus)


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_pin_server,  # runs before exec; this process has no threads yet
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/api/v1/misc/health/")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server did not start: {command}")


def measure(port: int, path: str, token: str, n: int) -> list[float]:
    """Latencies (ms) of ``n`` sequential requests on one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    timed_gets(conn, path, token, max(50, n // 10))  # warm up: imports, pools, caches
    samples = timed_gets(conn, path, token, n)
    conn.close()
    return samples


def percentile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="per row, over all rounds")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if _server_cpus() and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        seed(url)
        env = {
            **os.environ,
            "SHOPFLOOR_DATABASE_URL": url,
            "SHOPFLOOR_DATA_DIR": tmp,
            "SHOPFLOOR_SECRET_KEY": SECRET,
            "PYTHONPATH": str(ROOT),
        }
        serve = [sys.executable, "-m", "shopfloor.cli", "serve", "--port"]
        setups = {
            "shopfloor serve, 1 worker": lambda p: [*serve, str(p), "--workers", "1"],
            "shopfloor serve, 2 workers (gunicorn)": lambda p: [*serve, str(p), "--workers", "2"],
            "uvicorn --workers 2 (reference)": lambda p: [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.api_workers:make_app",
                "--factory",
                "--workers",
                "2",
                "--port",
                str(p),
                "--log-level",
                "warning",
            ],
        }
        paths = {"health": "/api/v1/misc/health/", "tickets": "/api/v1/tickets/?per_page=10"}
        # All servers run side by side and are measured in alternating rounds, so drift
        # in the machine's load spreads evenly over them; samples are pooled per row.
        servers: dict[str, tuple[subprocess.Popen[bytes], int, str]] = {}
        samples: dict[tuple[str, str], list[float]] = {}
        try:
            for name, command in setups.items():
                port = free_port()
                servers[name] = (start(command(port), env, port), port, "")
                servers[name] = (servers[name][0], port, login(port, "bench", "bench-pw"))
            for _ in range(args.rounds):
                for name, (_proc, port, token) in servers.items():
                    for label, path in paths.items():
                        batch = measure(port, path, token, args.requests // args.rounds)
                        samples.setdefault((name, label), []).extend(batch)
        finally:
            for proc, _port, _token in servers.values():
                proc.terminate()
                proc.wait(timeout=15)
        results = {
            key: (percentile(values, 50), percentile(values, 95)) for key, values in samples.items()
        }
        base_name = next(iter(setups))
        print(
            f"{args.requests} sequential keep-alive requests per row in {args.rounds} "
            "alternating rounds, one client\n"
        )
        print(f"{'setup':<40}{'endpoint':<10}{'p50 ms':>9}{'p95 ms':>9}{'p50 x':>8}{'p95 x':>8}")
        for (name, label), (p50, p95) in results.items():
            b50, b95 = results[(base_name, label)]
            print(f"{name:<40}{label:<10}{p50:>9.2f}{p95:>9.2f}{p50 / b50:>8.2f}{p95 / b95:>8.2f}")


if __name__ == "__main__":
    main()
