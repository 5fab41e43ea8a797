"""The 7-request HTTP workflow, as one keep-alive client sends it to any v1 server.

One workflow: ``POST bikes/create/``, ``POST tickets/create/``, ``POST tickets/{id}/assign/``,
``POST tickets/{id}/work-session/start/``, ``POST tickets/{id}/work-session/stop/``,
``POST tickets/{id}/to-waiting-qc/``, ``POST tickets/{id}/qc-pass/``: a new bike from
intake to a passed QC. Only the v1 wire contract is used (standard library only), so
the same client measures shopfloor and the original Django system alike:

    python bench/workflow_client.py --base-url http://127.0.0.1:8000/api/v1/ \\
        --username boss --password ... [--technician tech:pw] [--qc inspector:pw] [--count 50]

``--username`` takes tickets in and assigns them (master, ops_manager or super_admin);
the technician (``--technician``, default the same user, who must then hold the
technician role) runs the timer and sends to QC; ``--qc`` (default the same user)
passes it. Logins happen before the timed part. Prints workflows per second and each
step's median latency; ``--json`` prints them as JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

CHECKLIST = [f"Task {i}" for i in range(10)]
STEPS = ("bike", "intake", "assign", "timer start", "timer stop", "to QC", "QC pass")


class WorkflowError(RuntimeError):
    """A request of the workflow got an answer other than success."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    @classmethod
    def parse(cls, text: str) -> Credentials:
        """``user:password``."""
        user, sep, password = text.partition(":")
        if not sep:
            raise argparse.ArgumentTypeError("give user:password")
        return cls(user, password)


@dataclass
class WorkflowStats:
    """Workflows run in the timed part, and how long each took."""

    workflows: int = 0
    seconds: float = 0.0
    step_ms: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})

    @property
    def per_second(self) -> float:
        return self.workflows / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "workflows": self.workflows,
            "seconds": round(self.seconds, 3),
            "workflows_per_second": round(self.per_second, 2),
            "step_p50_ms": {
                s: round(statistics.median(v), 2) for s, v in self.step_ms.items() if v
            },
        }


class WorkflowClient:
    """One keep-alive connection to ``base_url`` (``http://host:port/api/v1/``)."""

    def __init__(
        self,
        base_url: str,
        intake: Credentials,
        technician: Credentials | None = None,
        qc: Credentials | None = None,
        timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(base_url if "://" in base_url else f"http://{base_url}")
        if parts.scheme != "http":
            raise ValueError("only http:// base URLs (put a TLS terminator in front yourself)")
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        path = parts.path.rstrip("/")
        self.prefix = path if path.endswith("/api/v1") else f"{path}/api/v1"
        self.creds = {"intake": intake, "technician": technician or intake, "qc": qc or intake}
        self.tokens: dict[str, str] = {}
        self.technician_id = 0
        self.tag = uuid.uuid4().hex[:6].upper()  # bike codes unique across runs
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def close(self) -> None:
        """Close the connection; the next request opens a new one (so a caller that let
        it sit idle, which a server may cut off, can start afresh)."""
        self.conn.close()

    def request(self, method: str, path: str, body: Any = None, who: str | None = None) -> Any:
        """The decoded JSON of a successful answer; anything else raises WorkflowError."""
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        self.conn.request(method, self.prefix + path, payload, headers)
        response = self.conn.getresponse()
        raw = response.read()
        if response.status not in (200, 201):
            raise WorkflowError(f"{method} {path}: HTTP {response.status} {raw[:300]!r}")
        return json.loads(raw) if raw else None

    def login(self) -> None:
        """Log every role in (outside the timed part) and find the technician's id.

        A role whose token was set beforehand (``tokens[role]``, e.g. shared with
        another client of the same user) is not logged in again."""
        by_user: dict[Credentials, str] = {
            self.creds[role]: token for role, token in self.tokens.items()
        }
        for role, creds in self.creds.items():
            if creds not in by_user:
                body = {"username": creds.username, "password": creds.password}
                reply = self.request("POST", "/auth/login/", body)
                by_user[creds] = reply["data"]["access"]
            self.tokens[role] = by_user[creds]
        self.technician_id = int(self.request("GET", "/users/me/", who="technician")["data"]["id"])

    def bike_code(self, n: int) -> str:
        """The new bike of workflow ``n`` (unique across clients and runs)."""
        return f"RM-WF{self.tag}{n:06d}"

    def run_one(self, n: int, stats: WorkflowStats | None = None) -> int:
        """Workflow number ``n``; the ticket's id."""
        code = self.bike_code(n)
        steps: list[tuple[str, str, Any, str]] = [
            ("/bikes/create/", "intake", {"bike_code": code}, "bike"),
            ("/tickets/create/", "intake",
             {"bike_code": code, "title": "Bench service", "checklist_snapshot": CHECKLIST,
              "srt_total_minutes": 30, "approve_srt": True}, "intake"),
        ]  # fmt: skip
        ticket = 0
        for i, (path, who, body, label) in enumerate(steps):
            began = time.perf_counter()
            reply = self.request("POST", path, body, who)
            if stats is not None:
                stats.step_ms[label].append((time.perf_counter() - began) * 1000)
            if i == 1:
                ticket = int(reply["data"]["id"])
        rest: list[tuple[str, str, Any, str]] = [
            (f"/tickets/{ticket}/assign/", "intake", {"technician_id": self.technician_id},
             "assign"),
            (f"/tickets/{ticket}/work-session/start/", "technician", None, "timer start"),
            (f"/tickets/{ticket}/work-session/stop/", "technician", None, "timer stop"),
            (f"/tickets/{ticket}/to-waiting-qc/", "technician", None, "to QC"),
            (f"/tickets/{ticket}/qc-pass/", "qc", None, "QC pass"),
        ]  # fmt: skip
        for path, who, body, label in rest:
            began = time.perf_counter()
            self.request("POST", path, body, who)
            if stats is not None:
                stats.step_ms[label].append((time.perf_counter() - began) * 1000)
        return ticket

    def run(self, count: int, start: int = 0, stats: WorkflowStats | None = None) -> WorkflowStats:
        """``count`` workflows back to back, numbered from ``start``, timed."""
        stats = stats or WorkflowStats()
        began = time.perf_counter()
        for n in range(start, start + count):
            self.run_one(n, stats)
        stats.seconds += time.perf_counter() - began
        stats.workflows += count
        return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8000/api/v1/")
    parser.add_argument("--username", required=True, help="takes tickets in and assigns them")
    parser.add_argument("--password", required=True)
    parser.add_argument("--technician", type=Credentials.parse, help="user:password")
    parser.add_argument("--qc", type=Credentials.parse, help="user:password")
    parser.add_argument("--count", type=int, default=20, help="timed workflows")
    parser.add_argument("--warmup", type=int, default=2, help="untimed workflows first")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    client = WorkflowClient(
        args.base_url, Credentials(args.username, args.password), args.technician, args.qc
    )
    try:
        client.login()
        client.run(args.warmup, start=0)
        stats = client.run(args.count, start=args.warmup)
    except (WorkflowError, OSError) as exc:
        print(f"workflow failed: {exc}", file=sys.stderr)
        return 1
    finally:
        client.close()
    if args.json:
        print(json.dumps(stats.as_dict(), indent=2))
    else:
        print(f"{stats.workflows} workflows in {stats.seconds:.2f} s: "
              f"{stats.per_second:.2f} workflows/s")  # fmt: skip
        for step, p50 in stats.as_dict()["step_p50_ms"].items():
            print(f"  {step:<12} p50 {p50:8.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
