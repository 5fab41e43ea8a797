"""A flood of logins from one address cannot hold up a login from another (a real server).

Each password check takes a moment on purpose (argon2), so a flood of wrong logins is
served fairly: one check at a time per client address, a few more waiting behind it,
the rest refused at once with 429; the server's checks are shared round-robin across
addresses. The flood is held in flight by a row lock this test takes on its address's
throttle row (the check counts the attempt there first), not by timing: its checks
cannot finish until the test lets go. (bench/login_fairness.py measures the waits.)
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from shopfloor.api.errors import ApiError
from shopfloor.api.throttle import WAITING_PER_CLIENT, LoginTurns
from shopfloor.domain import Shop, create_user
from shopfloor.domain.database import create_db_engine

from ..conftest import fast_hasher
from ..databases import PostgresTemplate
from .conftest import start_server, stop_server

FLOODER = "127.0.0.2"
NEIGHBOUR = "127.0.0.3"
FLOOD = 60  # more than the server's thread pool (40) and database pool (15) together hold
# Only a bound for a broken server: a fair one answers these long before.
GIVE_UP = 20.0


@pytest.fixture
def shop_url(postgres_template: PostgresTemplate, tmp_path: Path) -> Iterator[str]:
    with postgres_template.database(tmp_path) as url:
        shop = Shop(create_db_engine(url), hasher=fast_hasher())
        create_user(shop, None, "boss", "secret-pw", roles=["super_admin"])
        shop.dispose()
        yield url


def client_from(address: str, base: str) -> httpx.AsyncClient:
    """A client whose connections come from ``address`` (any 127.x.y.z reaches the server)."""
    return httpx.AsyncClient(
        base_url=f"{base}/api/v1",
        transport=httpx.AsyncHTTPTransport(
            local_address=address, limits=httpx.Limits(max_connections=FLOOD + 1)
        ),
        timeout=60,
    )


def hold_throttle_row(url: str, client: str) -> psycopg.Connection:
    """A transaction holding ``client``'s login throttle row: its logins wait at their first
    statement until the transaction ends."""
    conn = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
    conn.execute(
        "INSERT INTO throttle_entries (scope, client, username, failures, window_started_at) "
        "VALUES ('login', %s, '', 0, now())",
        (client,),
    )
    return conn


@pytest.mark.postgres
async def test_a_login_flood_from_one_address_cannot_hold_up_a_login_from_another(
    shop_url: str, tmp_path: Path
) -> None:
    proc, base = start_server(shop_url, tmp_path)
    held = hold_throttle_row(shop_url, FLOODER)
    try:
        async with client_from(FLOODER, base) as flooder, client_from(NEIGHBOUR, base) as other:
            flood = [
                asyncio.create_task(
                    flooder.post(
                        "auth/login/",
                        json={"username": f"guess-{uuid.uuid4().hex[:8]}", "password": "wrong"},
                    )
                )
                for _ in range(FLOOD)
            ]
            let_through = 1 + WAITING_PER_CLIENT
            refused_at_once = []
            try:
                for answered in asyncio.as_completed(flood, timeout=GIVE_UP):
                    refused_at_once.append(await answered)
                    if len(refused_at_once) == FLOOD - let_through:
                        break
            except TimeoutError:
                pytest.fail(
                    f"{len(refused_at_once)} of the flood's {FLOOD} logins were answered while "
                    "its first check was held; the server let them all queue"
                )
            try:
                login = await asyncio.wait_for(
                    other.post("auth/login/", json={"username": "boss", "password": "secret-pw"}),
                    GIVE_UP,
                )
            except TimeoutError:
                pytest.fail("the login from another address waited behind the flood")
            still_in_flight = sum(not task.done() for task in flood)
            held.rollback()  # the flood's held checks go on now
            answers = await asyncio.gather(*flood)
    finally:
        held.close()
        stop_server(proc)

    assert login.status_code == 200, login.text
    assert still_in_flight == let_through
    for refusal in refused_at_once:
        assert refusal.status_code == 429
        assert refusal.json()["error"] == "login_busy"
        assert refusal.headers["retry-after"] == "1"
    assert Counter(answer.status_code for answer in answers) == {
        429: FLOOD - let_through,
        401: let_through,  # checked once let go: wrong passwords
    }
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-4000:]


# --- the turns themselves, in this process: who checks next ---------------------------------


class Login:
    """A login from ``client`` that takes its turn, notes when it got it, and holds it
    until :meth:`done`."""

    def __init__(self, turns: LoginTurns, client: str, started: list[str]) -> None:
        self.client = client
        self.started = started
        self.checking = False
        self.finish = asyncio.Event()
        self.task = asyncio.create_task(self._run(turns))

    async def _run(self, turns: LoginTurns) -> None:
        async with turns.turn(self.client):
            self.started.append(self.client)
            self.checking = True
            await self.finish.wait()
            self.checking = False

    async def done(self) -> None:
        self.finish.set()
        await self.task


async def settle() -> None:
    """Let every task that can run, run (no clock involved)."""
    for _ in range(10):
        await asyncio.sleep(0)


async def test_turns_go_round_robin_so_no_address_waits_behind_another_ones_queue() -> None:
    turns = LoginTurns(checks=1, waiting_per_client=3)
    started: list[str] = []
    logins = [Login(turns, client, started) for client in ("a", "a", "a", "a", "b", "c", "b")]
    await settle()
    while not all(login.task.done() for login in logins):
        (checking,) = [login for login in logins if login.checking]
        await checking.done()
        await settle()
    assert started == ["a", "b", "c", "a", "b", "a", "a"]


async def test_a_busy_address_waits_a_few_and_is_refused_beyond_them_while_others_go_on() -> None:
    turns = LoginTurns(checks=2, waiting_per_client=2)
    started: list[str] = []
    held = [Login(turns, "a", started) for _ in range(3)]  # one checking, two waiting
    await settle()
    with pytest.raises(ApiError) as refused:
        async with turns.turn("a"):
            pass
    assert refused.value.status == 429
    assert refused.value.code == "login_busy"
    other = Login(turns, "b", started)
    await settle()
    assert started == ["a", "b"]  # the second check goes to b, not a's waiting logins
    await other.done()
    for login in held:
        await login.done()
    assert started == ["a", "b", "a", "a"]


async def test_a_login_that_stops_waiting_gives_its_place_back() -> None:
    turns = LoginTurns(checks=1, waiting_per_client=2)
    started: list[str] = []
    first, gone, last = (Login(turns, client, started) for client in ("a", "b", "c"))
    await settle()
    gone.task.cancel()
    await settle()
    await first.done()
    await last.done()
    assert started == ["a", "c"]
    # Nothing is held: a new address gets its turn at once.
    async with turns.turn("d"):
        pass
