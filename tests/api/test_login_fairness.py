"""A flood of logins from one address cannot hold up a login from another (a real server).

Each password check takes a moment on purpose (argon2), so logins take fair turns: one
check at a time per client address, the address's other logins waiting behind it
(holding no thread or database connection), the server's checks shared round-robin
across addresses. The flood is held in flight by a row lock this test takes on its
address's throttle row (a check counts the attempt there first), not by timing: the
flood's first check cannot finish, nor its other logins get a turn, until the test lets
go. (bench/login_fairness.py measures the waits; the unit tests below, the turn order.)
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from shopfloor.api.errors import ApiError
from shopfloor.api.throttle import ClientGone, LoginTurns
from shopfloor.domain import Shop, create_user
from shopfloor.domain.database import create_db_engine
from shopfloor.domain.throttle import LIMITS

from ..conftest import fast_hasher
from ..databases import PostgresTemplate
from .conftest import start_server, stop_server

FLOODER = "127.0.0.2"
NEIGHBOUR = "127.0.0.3"
FLOOD = 60  # more than the server's thread pool (40) and database pool (15) together hold
# Only a bound for a broken server: a fair one answers long before.
GIVE_UP = 20.0


@pytest.fixture
def shop_url(postgres_template: PostgresTemplate, tmp_path: Path) -> Iterator[str]:
    with postgres_template.database(tmp_path) as url:
        shop = Shop(create_db_engine(url), hasher=fast_hasher())
        create_user(shop, None, "boss", "secret-pw", roles=["super_admin"])
        create_user(shop, None, "target", "secret-pw")
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


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def hold_throttle_row(url: str, client: str) -> psycopg.Connection:
    """A transaction holding ``client``'s login throttle row: its logins wait at their first
    statement until the transaction ends."""
    conn = psycopg.connect(libpq(url))
    conn.execute(
        "INSERT INTO throttle_entries (scope, client, username, failures, window_started_at) "
        "VALUES ('login', %s, '', 0, now())",
        (client,),
    )
    return conn


def wait_until_a_login_waits_on(url: str, holder: psycopg.Connection) -> None:
    """Until a server connection waits for ``holder``'s row lock (a check is in flight)."""
    with psycopg.connect(libpq(url), autocommit=True) as probe:
        give_up = time.monotonic() + GIVE_UP
        while time.monotonic() < give_up:
            waiting = probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                (holder.info.backend_pid,),
            ).fetchone()
            if waiting and waiting[0]:
                return
            time.sleep(0.02)
    pytest.fail("no login of the flood reached its password check")


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
                    flooder.post("auth/login/", json={"username": "target", "password": "wrong"})
                )
                for _ in range(FLOOD)
            ]
            await asyncio.to_thread(wait_until_a_login_waits_on, shop_url, held)
            try:
                login = await asyncio.wait_for(
                    other.post("auth/login/", json={"username": "boss", "password": "secret-pw"}),
                    GIVE_UP,
                )
            except TimeoutError:
                pytest.fail("the login from another address waited behind the flood")
            still_in_flight = sum(not task.done() for task in flood)
            held.rollback()  # the flood's held check goes on, then the others in turn
            answers = await asyncio.gather(*flood)
    finally:
        held.close()
        stop_server(proc)

    assert login.status_code == 200, login.text
    assert still_in_flight == FLOOD  # none refused, none lost: all waiting their turn
    # Each was checked in its turn: wrong passwords until the database throttle's limit
    # for one username from one address, refused by it after that.
    assert Counter(answer.status_code for answer in answers) == {
        401: LIMITS.per_user,
        429: FLOOD - LIMITS.per_user,
    }
    assert {a.json()["error"] for a in answers if a.status_code == 429} == {"too_many_attempts"}
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
        self.leaves = asyncio.Event()  # its client closes the connection
        self.task = asyncio.create_task(self._run(turns))

    async def _run(self, turns: LoginTurns) -> None:
        async with turns.turn(self.client, gone=self.leaves.wait):
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
    await turn_by_turn(logins)
    assert started == ["a", "b", "c", "a", "b", "a", "a"]


async def turn_by_turn(logins: list[Login]) -> None:
    """Finish whichever login has the turn, until all have had theirs."""
    while not all(login.task.done() for login in logins):
        (checking,) = [login for login in logins if login.checking]
        await checking.done()
        await settle()


async def test_a_login_from_a_quiet_address_goes_before_every_flooding_one() -> None:
    turns = LoginTurns(checks=1, waiting_per_client=10)
    started: list[str] = []
    flood = [Login(turns, client, started) for _ in range(5) for client in ("a", "b", "c")]
    await settle()
    for _ in range(4):  # a few rounds of the flood
        (checking,) = [login for login in flood if login.checking]
        await checking.done()
        await settle()
    person = Login(turns, "p", started)
    await settle()
    (checking,) = [login for login in flood if login.checking]
    await checking.done()
    await settle()
    assert started == ["a", "b", "c", "a", "b", "p"]
    await turn_by_turn([*flood, person])


async def test_a_busy_address_is_refused_beyond_its_waiting_room_while_others_go_on() -> None:
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


@pytest.mark.parametrize("stops", ["its client leaves", "it is cancelled"])
async def test_a_login_that_stops_waiting_gives_its_turn_to_the_next(stops: str) -> None:
    turns = LoginTurns(checks=1, waiting_per_client=2)
    started: list[str] = []
    first, leaving, last = (Login(turns, client, started) for client in ("a", "b", "c"))
    await settle()
    if stops == "its client leaves":
        leaving.leaves.set()
    else:
        leaving.task.cancel()
    await settle()
    with pytest.raises(ClientGone if stops == "its client leaves" else asyncio.CancelledError):
        await leaving.task
    await turn_by_turn([first, last])
    assert started == ["a", "c"]
    # Nothing is held: a new address gets its turn at once.
    async with turns.turn("d"):
        pass
