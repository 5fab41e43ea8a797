"""A live API server per backend, and people and bikes made fresh for each test.

One ``shopfloor serve`` subprocess per backend serves the whole session over real
HTTP on a free port, against a migrated copy of the template database. Tests
never share rows: each makes its own users (through the domain services, in this
process, on the same database) and its own bike codes, so they can run in any
order against one server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from shopfloor.api.tokens import TokenService, TokenType
from shopfloor.domain import Shop, create_user
from shopfloor.domain.database import create_db_engine

from ..conftest import BACKENDS, fast_hasher
from ..factories import CHECKLIST

SECRET = "test-secret-key-for-the-api-suite-" + "0123456789abcdef" * 3
STARTUP_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    db_url: str,
    data_dir: Path,
    *,
    workers: int = 1,
    program: Sequence[str] = ("-m", "shopfloor.cli"),
    own_session: bool = False,
    settings: Mapping[str, str] | None = None,
    port: int | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """``shopfloor serve`` on a free port, once its health probe answers.

    ``program`` is what the Python interpreter runs in place of the CLI module (a test's
    wrapper of it); ``own_session`` gives the server its own process group, as a
    terminal would; ``settings`` are more ``SHOPFLOOR_*`` variables for it; ``port``:
    this one rather than a free one (a client built to call it there).
    """
    port = port or free_port()
    env = {
        **os.environ,
        "SHOPFLOOR_DATABASE_URL": db_url,
        "SHOPFLOOR_DATA_DIR": str(data_dir),
        "SHOPFLOOR_SECRET_KEY": SECRET,
        **(settings or {}),
    }
    log = (data_dir / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            *program,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=own_session,
    )
    base = f"http://127.0.0.1:{port}"
    # Ready: it answers, and with several workers the master has forked them all (the
    # first may answer before the next is forked).
    forked = workers if workers > 1 else 0
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {(data_dir / 'server.log').read_text()}")
        try:
            answered = httpx.get(f"{base}/api/v1/misc/health/", timeout=1).status_code == 200
        except httpx.TransportError:
            answered = False
        if answered and len(children_of(proc.pid)) >= forked:
            return proc, base
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"server did not start: {(data_dir / 'server.log').read_text()}")


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def children_of(pid: int) -> set[int]:
    """The live processes whose parent is ``pid`` (a server's workers)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if parent_of(int(entry.name)) == pid:
                    found.add(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue  # exited while we looked
    return found


class _StartedServer(uvicorn.Server):
    """uvicorn that says when it is listening (an event to wait on, not a flag to poll)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.ready.set()


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn in a thread of this process; yields the API base URL."""
    port = free_port()
    # As `shopfloor serve`: the app alone decides whether to believe X-Forwarded-For.
    config = uvicorn.Config(app, port=port, log_level="warning", proxy_headers=False)
    server = _StartedServer(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    if not server.ready.wait(STARTUP_SECONDS):
        server.should_exit = True
        raise RuntimeError(f"uvicorn did not start on port {port}")
    try:
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass(frozen=True)
class Member:
    """A user the test made, with an access token the server will accept."""

    id: int
    username: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Crew:
    """A fresh shop staff for one test: one user per role, plus one with no role."""

    master: Member
    manager: Member
    tech1: Member
    tech2: Member
    qc: Member
    admin: Member
    nobody: Member

    def by_role(self, role: str) -> Member:
        return {
            "master": self.master,
            "ops_manager": self.manager,
            "technician": self.tech1,
            "qc_inspector": self.qc,
            "super_admin": self.admin,
            "none": self.nobody,
        }[role]


class Api:
    """A live server plus what tests need to talk to it and to seed it."""

    def __init__(self, backend: str, base_url: str, db_url: str) -> None:
        self.backend = backend
        self.base_url = base_url
        self.db_url = db_url
        self.http = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30)
        self.tokens = TokenService(SECRET)
        self.shop = Shop(create_db_engine(db_url), hasher=fast_hasher())

    def close(self) -> None:
        self.http.close()
        self.shop.dispose()

    # --- requests -------------------------------------------------------------------------

    def request(
        self, method: str, path: str, who: Member | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if who is not None:
            headers.update(who.auth)
        response = self.http.request(method, path.lstrip("/"), headers=headers, **kwargs)
        assert response.status_code < 500, response.text
        return response

    def get(self, path: str, who: Member | None = None, **params: Any) -> httpx.Response:
        return self.request("GET", path, who, params=params or None)

    def post(self, path: str, who: Member | None = None, body: Any = None) -> httpx.Response:
        return self.request("POST", path, who, json=body)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        """The ``data`` of a success envelope, after checking the envelope."""
        assert response.status_code == status, response.text
        body = response.json()
        assert body["success"] is True
        assert body["message"] == "OK"
        return body["data"]

    def ok_page(self, response: httpx.Response) -> dict[str, Any]:
        """A paginated envelope, after checking its shape."""
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert body["success"] is True
        assert body["message"] == "OK"
        assert {"results", "total_count", "page", "page_count", "per_page"} <= set(body)
        return body

    # --- seeding --------------------------------------------------------------------------

    def member(self, *roles: str, prefix: str = "u") -> Member:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        user = create_user(self.shop, None, name, "secret-pw", roles=roles, first_name=prefix)
        return Member(user.id, name, self.tokens.issue(user.id, TokenType.ACCESS))

    def crew(self) -> Crew:
        return Crew(
            master=self.member("master", prefix="master"),
            manager=self.member("ops_manager", prefix="manager"),
            tech1=self.member("technician", prefix="tech1"),
            tech2=self.member("technician", prefix="tech2"),
            qc=self.member("qc_inspector", prefix="qc"),
            admin=self.member("super_admin", prefix="admin"),
            nobody=self.member(prefix="nobody"),
        )

    @staticmethod
    def bike_code() -> str:
        return f"RM-{uuid.uuid4().hex[:10].upper()}"

    def add_bike(self, who: Member, code: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = self.ok(
            self.post("bikes/create/", who, {"bike_code": code or self.bike_code()}), 201
        )
        return data

    def intake(self, who: Member, code: str | None = None, **overrides: Any) -> dict[str, Any]:
        """A new ticket on a new bike, through the API."""
        code = code or self.add_bike(who)["bike_code"]
        body = intake_body(code, **overrides)
        data: dict[str, Any] = self.ok(self.post("tickets/create/", who, body), 201)
        return data

    def ticket_in(self, crew: Crew, status: str) -> dict[str, Any]:
        """A ticket driven through the API to ``status`` (technician: crew.tech1)."""
        ticket = self.intake(crew.master)
        tid = ticket["id"]
        steps: list[tuple[str, Member, dict[str, Any] | None]] = [
            ("assign", crew.master, {"technician_id": crew.tech1.id}),
            ("start", crew.tech1, None),
            ("to-waiting-qc", crew.tech1, None),
        ]
        order = ["new", "assigned", "in_progress", "waiting_qc"]
        target = order.index(status) if status in order else len(order) - 1
        for action, who, body in steps[:target]:
            ticket = self.ok(self.post(f"tickets/{tid}/{action}/", who, body))
        if status == "rework":
            ticket = self.ok(self.post(f"tickets/{tid}/qc-fail/", crew.qc, {"note": "again"}))
        if status == "done":
            ticket = self.ok(self.post(f"tickets/{tid}/qc-pass/", crew.qc))
        assert ticket["status"] == status
        return ticket


def refused(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """The error envelope of a refused request, checked for the contract's shape."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is False
    assert isinstance(body["error"], str)
    assert body["error"]
    assert len(body["message"]) > 10
    if field is not None:
        assert field in body.get("fields", {}), body
    return body


def bearer(client: httpx.Client, username: str, password: str = "secret-pw") -> dict[str, str]:
    """The Authorization header of a fresh login of ``username``."""
    response = client.post("auth/login/", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['data']['access']}"}


def intake_body(code: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "bike_code": code,
        "title": "Brake service",
        "checklist_snapshot": list(CHECKLIST),
        "srt_total_minutes": 45,
        "approve_srt": True,
    }
    body.update(overrides)
    return body


@pytest.fixture(scope="session", params=BACKENDS)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The live server for one backend, shared by every test of the session."""
    backend: str = request.param
    template = request.getfixturevalue(f"{backend}_template")
    directory = tmp_path_factory.mktemp(f"api-{backend}")
    with template.database(directory) as db_url:
        proc, base = start_server(db_url, directory)
        api = Api(backend, base, db_url)
        try:
            yield api
        finally:
            api.close()
            stop_server(proc)
        # Any unhandled error would have been logged with its trace: there must be none.
        log = (directory / "server.log").read_text(errors="replace")
        assert "Traceback" not in log, log[-4000:]


@pytest.fixture
def crew(api: Api) -> Crew:
    return api.crew()
