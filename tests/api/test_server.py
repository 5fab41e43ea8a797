"""``shopfloor serve``: one uvicorn process, or gunicorn with uvicorn workers, as a real process.

Functional only (no timings here; bench/api_workers.py measures latency).
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from shopfloor.domain import create_user
from shopfloor.domain.database import create_db_engine
from shopfloor.domain.shop import Shop

from ..conftest import fast_hasher
from ..databases import SqliteTemplate
from .conftest import children_of, start_server, stop_server

# `shopfloor serve`, with each worker process stamping its pid on every response: only
# this test adds the header, so the product itself tells nobody its pids.
SERVE_WITH_PID_HEADER = """
import os, sys
from shopfloor import cli
from shopfloor.api import server

product_build_app = server.build_app

def build_app_with_pid(settings):
    app = product_build_app(settings)

    @app.middleware("http")
    async def stamp_pid(request, call_next):
        response = await call_next(request)
        response.headers["X-Test-Worker-Pid"] = str(os.getpid())
        return response

    return app

server.build_app = build_app_with_pid
sys.exit(cli.main(sys.argv[1:]))
"""


STOP_SIGNALS = [signal.SIGHUP, signal.SIGINT, signal.SIGTERM]


def start_with_pid_header(
    url: str, data_dir: Path, workers: int, *, own_session: bool = False
) -> tuple[subprocess.Popen[bytes], str]:
    return start_server(
        url,
        data_dir,
        workers=workers,
        program=("-c", SERVE_WITH_PID_HEADER),
        own_session=own_session,
    )


def test_two_workers_both_answer_and_share_the_signing_key_and_the_database(
    sqlite_template: SqliteTemplate, tmp_path: Path
) -> None:
    with sqlite_template.database(tmp_path) as url:
        shop = Shop(create_db_engine(url), hasher=fast_hasher())
        create_user(shop, None, "boss", "secret-pw", roles=["super_admin"])
        shop.dispose()
        proc, base = start_with_pid_header(url, tmp_path, workers=2)
        try:
            login = httpx.post(
                f"{base}/api/v1/auth/login/", json={"username": "boss", "password": "secret-pw"}
            )
            assert login.status_code == 200
            auth = {"Authorization": f"Bearer {login.json()['data']['access']}"}
            # Each request on a fresh connection; the kernel hands it to either worker.
            # Go on until both have answered (a bounded number of tries).
            answered_by: set[int] = set()
            created = 0
            while len(answered_by) < 2 and created < 200:
                response = httpx.post(
                    f"{base}/api/v1/bikes/create/",
                    json={"bike_code": f"RM-W{created:04d}"},
                    headers=auth,
                )
                assert response.status_code == 201, response.text
                answered_by.add(int(response.headers["X-Test-Worker-Pid"]))
                created += 1
            listed = httpx.get(f"{base}/api/v1/bikes/", headers=auth)
            assert listed.json()["total_count"] == created
        finally:
            stop_server(proc)
        assert len(answered_by) == 2  # two processes accepted the one token...
        assert proc.pid not in answered_by  # ...and both were workers, not the master
        assert proc.returncode == 0
        assert "Traceback" not in (tmp_path / "server.log").read_text()


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("stop", STOP_SIGNALS, ids=lambda s: s.name)
def test_serve_stops_cleanly_on_hangup_interrupt_and_terminate(
    sqlite_template: SqliteTemplate, tmp_path: Path, workers: int, stop: signal.Signals
) -> None:
    with sqlite_template.database(tmp_path) as url:
        proc, base = start_server(url, tmp_path, workers=workers)
        try:
            worker_pids = children_of(proc.pid)
            assert len(worker_pids) == (workers if workers > 1 else 0)
            proc.send_signal(stop)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        log = (tmp_path / "server.log").read_text()
        assert proc.returncode == 0, log
        assert log.strip().splitlines()[-1] == f"shopfloor serve: stopped ({stop.name}).", log
        assert "Traceback" not in log
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{base}/api/v1/misc/health/", timeout=2)
        assert all(gone(pid) for pid in worker_pids)  # no worker left serving on its own


def gone(pid: int) -> bool:
    """Exited (a zombie waiting to be reaped counts: it serves nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def test_closing_the_terminal_stops_every_worker_through_the_master(
    sqlite_template: SqliteTemplate, tmp_path: Path
) -> None:
    with sqlite_template.database(tmp_path) as url:
        proc, _base = start_with_pid_header(url, tmp_path, workers=2, own_session=True)
        try:
            workers = children_of(proc.pid)
            assert len(workers) == 2
            os.killpg(proc.pid, signal.SIGHUP)  # what a closing terminal sends its group
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    log = (tmp_path / "server.log").read_text()
    assert proc.returncode == 0, log
    assert log.strip().splitlines()[-1] == "shopfloor serve: stopped (SIGHUP).", log
    assert "was sent SIGHUP" not in log  # no worker died of it mid-request...
    assert all(gone(pid) for pid in workers)  # ...the master stopped them all
