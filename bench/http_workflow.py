"""The 7-request HTTP workflow on PostgreSQL, against its floor and (with ``--original``)
the original system, in alternating rounds.

Contenders, each given the same number of workflows per round, the order reversing
every other round:

- shopfloor: ``shopfloor serve`` (1 worker) on the run's small shop, driven by
  ``workflow_client.py`` on one keep-alive connection; its server's CPU is read from
  /proc before and after each round.
- the floor (``bench/floor.py``): the statements that server sent for one workflow,
  recorded in this run, replayed by a raw psycopg client on the same database, plus 7
  requests to the bare FastAPI endpoint (``bench/bare.py``).
- the original, when ``--original URL`` is given: the same client against it; its CPU
  when its server process can be found listening on the URL's port on this machine,
  its statements when ``--original-counter`` names a statement counter in front of it.

Statements are counted on a second ``shopfloor serve`` on the same database that talks
to PostgreSQL through the counting proxy, so the timed server pays no proxy hop.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from bench import data
from bench.floor import REQUESTS, ReplayedWorkflow, capture
from bench.measure import Context, Original, Result, alternate, median, ratio_row, value_row
from bench.pg_statement_counter import control
from bench.servers import BareServer, Server, listening_pids, server_root, start, stop
from bench.servers import tree_cpu_seconds as cpu_of
from bench.workflow_client import Credentials, WorkflowClient

USERS = ("wf-master", "wf-tech", "wf-qc")
WARM = 3  # untimed workflows per contender first
ISSUE_13_TARGET = 5.0  # workflows/s as a multiple of the original's (issue 13)
Round = tuple[float, int, float | None]  # seconds, workflows, server CPU seconds (or None)


def _client(base: str, users: tuple[tuple[str, str], ...]) -> WorkflowClient:
    intake, technician, qc = (Credentials(u, p) for u, p in users)
    client = WorkflowClient(base, intake, technician, qc)
    client.login()
    return client


def _rounds(run: Callable[[int, int], float], per_round: int, first: int,
            pid: int | None = None) -> Callable[[], Round]:  # fmt: skip
    """One round of a contender: ``run(count, start)`` workflows numbered on from ``first``
    (seconds they took), and the CPU the server ``pid`` used meanwhile (if known)."""
    numbers = iter(range(first, 1 << 30, per_round))

    def round_() -> Round:
        before = cpu_of(pid) if pid else 0.0
        seconds = run(per_round, next(numbers))
        return seconds, per_round, (cpu_of(pid) - before) if pid else None

    return round_


def _over_http(client: WorkflowClient) -> Callable[[int, int], float]:
    def run(count: int, start: int) -> float:
        client.close()  # a fresh connection: the last round's may have idled out
        return client.run(count, start=start).seconds

    return run


def _per_workflow_ms(rounds: list[Round]) -> float:
    return median([seconds * 1000 / count for seconds, count, _ in rounds])


def _cpu_ms(rounds: list[Round]) -> float | None:
    if any(cpu is None for _, _, cpu in rounds):
        return None
    return sum(cpu or 0.0 for _, _, cpu in rounds) * 1000 / sum(n for _, n, _ in rounds)


def _original_pid(url: str) -> int | None:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return None
    return server_root(listening_pids(parts.port or 80))


def _verbs(counts: dict[str, int], per: int) -> str:
    skip = ("total", "simple", "extended")
    ordered = sorted(((v, c) for v, c in counts.items() if v not in skip), key=lambda x: -x[1])
    return ", ".join(f"{verb} {count / per:g}" for verb, count in ordered)


def measure(ctx: Context) -> list[Result]:
    plan, pg = ctx.plan, ctx.postgres()
    shop = pg.shop(plan.small)
    users = tuple((u, data.PASSWORD) for u in USERS)
    timed, counted = Server(shop.url, ctx.env), Server(pg.counted_url(shop.url), ctx.env)
    bare = BareServer(ctx.env)
    start(timed, counted, bare)
    clients: list[WorkflowClient] = []
    floor: ReplayedWorkflow | None = None
    try:
        # Statements: counted on the second server, then one workflow recorded for the floor.
        counter = _client(counted.base, users)
        clients.append(counter)
        counter.run(WARM)
        k = max(3, min(plan.workflows, 10))
        pg.proxy.reset()
        counter.run(k, start=WARM)
        counts = pg.proxy.snapshot()
        recording = capture(pg.proxy, shop.url, counter, WARM + k)
        floor = ReplayedWorkflow(recording, pg.counted_url(shop.url), bare.port, bare.ready_path)
        pg.proxy.reset()
        floor.run(1, start=0)  # through the proxy: the floor's own count, checked below
        floor_statements = pg.proxy.snapshot()["total"]
        floor.close()
        floor = ReplayedWorkflow(recording, shop.url, bare.port, bare.ready_path)
        floor.run(WARM, start=1)

        ours = _client(timed.base, users)
        clients.append(ours)
        ours.run(WARM)
        contenders: dict[str, Callable[[], Round]] = {
            "shopfloor": _rounds(_over_http(ours), plan.workflows, WARM, timed.proc.pid),
            "floor": _rounds(floor.run, plan.workflows, 1 + WARM),
        }
        original = ctx.original
        if original is not None:
            theirs = _client(original.url, (original.intake, original.technician, original.qc))
            clients.append(theirs)
            theirs.run(WARM)
            pid = _original_pid(original.url)
            contenders["original"] = _rounds(_over_http(theirs), plan.workflows, WARM, pid)
        rounds = alternate(plan.rounds, contenders)
        theirs_counts = _original_statements(original, clients[-1], k) if original else None
    finally:
        for client in clients:
            client.close()
        if floor is not None:
            floor.close()
        stop(timed, counted, bare)
    return _rows(ctx, shop.tickets, rounds, counts, k, len(recording.statements),
                 recording.transactions, floor_statements, theirs_counts)  # fmt: skip


def _original_statements(original: Original, client: WorkflowClient, k: int) -> int | None:
    """Statements per workflow on the original, through its counter (if one was named)."""
    if original.counter is None:
        return None
    control(original.counter, "reset")
    client.run(k, start=10_000)
    return int(control(original.counter, "get")["total"]) // k


def _rows(ctx: Context, tickets: int, rounds: dict[str, list[Round]], counts: dict[str, int],
          k: int, recorded: int, transactions: int, floor_statements: int,
          original_statements: int | None) -> list[Result]:  # fmt: skip
    ours_ms = _per_workflow_ms(rounds["shopfloor"])
    floor_ms = _per_workflow_ms(rounds["floor"])
    statements = counts["total"] / k
    where = f"PostgreSQL, 1 worker, {tickets:,}-ticket shop"
    floor_note = (f"floor: the {recorded} statements ({transactions} transactions) this server "
                  f"sent for one workflow, replayed by raw psycopg ({floor_statements} counted "
                  f"on the wire), plus {REQUESTS} requests to a bare FastAPI endpoint on the "
                  "same stack")  # fmt: skip
    rows = [ratio_row(f"HTTP workflow (7 requests) vs its floor, {where}", ours_ms,
                      "ms/workflow", floor_ms, 3.0, note=floor_note)]  # fmt: skip
    ours_cpu = _cpu_ms(rounds["shopfloor"])
    assert ours_cpu is not None
    original = ctx.original
    if original is None:
        why = "not measured: run with --original URL"
        rows.append(ratio_row(f"HTTP workflow vs the original, {where}", 1000 / ours_ms, "wf/s",
                              None, ISSUE_13_TARGET, "ratio >=", why))  # fmt: skip
        rows.append(value_row("server CPU per HTTP workflow", ours_cpu, "ms", 15.0,
                              note=f"the original's: {why}"))  # fmt: skip
        rows.append(value_row("SQL statements per HTTP workflow", statements, "statements", 35,
                              note=f"{_verbs(counts, k)}; the original's: {why}"))  # fmt: skip
        return rows
    theirs_ms = _per_workflow_ms(rounds["original"])
    rows.append(ratio_row(f"HTTP workflow vs the original ({original.url}), {where}",
                          1000 / ours_ms, "wf/s", 1000 / theirs_ms, ISSUE_13_TARGET, "ratio >=",
                          "issue 13's target; the same client, rounds alternating"))  # fmt: skip
    theirs_cpu = _cpu_ms(rounds["original"])
    cpu_note = (
        "baseline: the original's server processes"
        if theirs_cpu is not None
        else "the original's: not measured (no process on this machine listens on its port)"
    )
    rows.append(value_row("server CPU per HTTP workflow", ours_cpu, "ms", 15.0, theirs_cpu,
                          cpu_note))  # fmt: skip
    stmt_note = (
        f"{_verbs(counts, k)}; baseline: the original through --original-counter"
        if original_statements is not None
        else f"{_verbs(counts, k)}; the original's: not measured (no --original-counter)"
    )
    rows.append(value_row("SQL statements per HTTP workflow", statements, "statements", 35,
                          original_statements, stmt_note))  # fmt: skip
    return rows
