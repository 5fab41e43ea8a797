"""Server processes the bench starts or watches, and plain HTTP timing against them.

- :class:`Server`: ``shopfloor serve`` as a real process (1 worker unless told).
- :class:`BareServer`: ``bench/bare.py``, one trivial FastAPI route on the same stack
  (uvicorn with httptools and uvloop, configured as ``shopfloor serve`` configures it).
- :func:`tree_cpu_seconds`: utime + stime of a process and its descendants, from /proc.
- :func:`listening_pids`: which local processes listen on a TCP port (to find the
  original's server from its URL and measure its CPU too).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench import data

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-" + "x" * 60
CLK_TCK = os.sysconf("SC_CLK_TCK")
HEALTH = "/api/v1/misc/health/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """A server process on ``port`` that answers ``ready_path`` with 200 once it is up."""

    ready_path = HEALTH

    def __init__(self, command: list[str], env: dict[str, str], port: int) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def wait_ready(self, seconds: float = 60) -> Process:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self} exited with {self.proc.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", self.ready_path)
                ok = conn.getresponse().status == 200
                conn.close()
                if ok:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self} did not start")

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.proc.pid)

    def connect(self, timeout: float = 60) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)


class Server(Process):
    """``shopfloor serve`` on the database at ``url``."""

    def __init__(self, url: str, env: dict[str, str], workers: int = 1) -> None:
        port = free_port()
        command = [sys.executable, "-m", "shopfloor.cli", "serve", "--port", str(port),
                   "--workers", str(workers)]  # fmt: skip
        super().__init__(command, {**env, "SHOPFLOOR_DATABASE_URL": url}, port)
        self.base = f"http://127.0.0.1:{port}/api/v1"

    def __str__(self) -> str:
        return "shopfloor serve"


class BareServer(Process):
    """The bare endpoint (``bench/bare.py``): ``GET``/``POST`` :data:`bench.bare.PATH`."""

    def __init__(self, env: dict[str, str]) -> None:
        from bench.bare import PATH

        port = free_port()
        self.ready_path = PATH
        super().__init__([sys.executable, "-m", "bench.bare", "--port", str(port)], env, port)

    def __str__(self) -> str:
        return "the bare FastAPI endpoint"


def start(*processes: Process) -> None:
    """Wait for every process to answer; on failure stop them all."""
    try:
        for process in processes:
            process.wait_ready()
    except BaseException:
        stop(*processes)
        raise


def stop(*processes: Process) -> None:
    """Terminate the processes together, then wait for each (shutdowns overlap)."""
    for process in processes:
        if process.proc.poll() is None:
            process.proc.terminate()
    for process in processes:
        try:
            process.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.proc.kill()
            process.proc.wait()


def _proc_stats() -> tuple[dict[int, int], dict[int, int]]:
    """Every process's parent and its CPU ticks (utime + stime)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    return parents, ticks


def descendants(pid: int, parents: dict[int, int]) -> set[int]:
    """``pid`` and every process below it, given each process's parent."""
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier += children
    return tree


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its live descendants."""
    parents, ticks = _proc_stats()
    return sum(ticks.get(p, 0) for p in descendants(pid, parents)) / CLK_TCK


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(inode)
    return inodes


def listening_pids(port: int) -> set[int]:
    """The local processes holding a socket that listens on TCP ``port`` (all a
    pre-forking server's workers share it); empty when none can be seen."""
    inodes = _listening_inodes(port)
    found: set[int] = set()
    if not inodes:
        return found
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        if any(_link(fd) in inodes for fd in fds):
            found.add(int(entry.name))
    return found


def _link(fd: Path) -> str:
    """The inode of the socket behind ``fd`` ("" for anything else, or a closed fd)."""
    try:
        link = os.readlink(fd)
    except OSError:
        return ""
    return link[8:-1] if link.startswith("socket:[") else ""


def server_root(pids: set[int]) -> int | None:
    """Of the processes sharing a listening socket, the one the others descend from
    (a master) or the only one; None when there is no single such process."""
    if not pids:
        return None
    parents, _ = _proc_stats()
    roots = {p for p in pids if parents.get(p) not in pids}
    return roots.pop() if len(roots) == 1 else None


def login(port: int, username: str, password: str = data.PASSWORD) -> str:
    """An access token from the v1 API on ``port``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"username": username, "password": password})
    conn.request("POST", "/api/v1/auth/login/", body, {"Content-Type": "application/json"})
    token: str = json.loads(conn.getresponse().read())["data"]["access"]
    conn.close()
    return token


def timed_gets(conn: http.client.HTTPConnection, path: str, token: str | None,
               n: int) -> list[float]:  # fmt: skip
    """Latencies (ms) of ``n`` GETs back to back on one keep-alive connection."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    out = []
    for _ in range(n):
        began = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        out.append((time.perf_counter() - began) * 1000)
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status}")
    return out
