"""Tail latency under concurrent writers: 16 clients on a SQLite shop against 1 client.

``shopfloor serve`` (as a shop runs it: 1 worker) on a bulk-loaded SQLite shop; each
client runs the 7-request workflow on its own keep-alive connection with its own
technician (one ticket in progress per technician is a rule), sharing the master and
the QC inspector. Rounds alternate between 1 client and 16 at once; every request's
latency is pooled per phase. The row: p99 at 16 clients (target ≤ 400 ms), with the
same workflow's p99 at 1 client as its baseline.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from bench import data
from bench.measure import Context, Result, alternate, percentile, value_row
from bench.servers import Server, start, stop
from bench.workflow_client import Credentials, WorkflowClient, WorkflowStats

CLIENTS = 16
Phase = tuple[list[float], list[str]]  # request latencies (ms), errors


def _clients(base: str, count: int) -> list[WorkflowClient]:
    """``count`` clients, each with its own technician, logged in and warmed (one untimed
    workflow each). The first logs in alone and the others reuse its master's and QC
    inspector's tokens: logins of one user from one address at once are throttled (and
    the first login of a bench user replaces its cheap hash, which concurrent logins of
    the same user would see as a password change)."""
    out = []
    for i in range(count):
        creds = (Credentials("wf-master", data.PASSWORD),
                 Credentials(f"wf-tech{i:02d}", data.PASSWORD),
                 Credentials("wf-qc", data.PASSWORD))  # fmt: skip
        out.append(WorkflowClient(base, *creds))
    out[0].login()
    for client in out[1:]:
        client.tokens.update(intake=out[0].tokens["intake"], qc=out[0].tokens["qc"])
    failed: list[BaseException] = []

    def warm(client: WorkflowClient) -> None:
        try:
            client.login()
            client.run(1, start=0)
        except BaseException as exc:  # raised below, in the caller's thread
            failed.append(exc)

    threads = [threading.Thread(target=warm, args=(client,)) for client in out]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        raise failed[0]
    return out


def run_phase(clients: list[WorkflowClient], workflows: int, first: int) -> Phase:
    """Each client runs ``workflows`` workflows, all at once; every request's latency."""
    stats = [WorkflowStats() for _ in clients]
    errors: list[str] = []
    go = threading.Barrier(len(clients))

    def work(client: WorkflowClient, mine: WorkflowStats) -> None:
        client.close()  # a fresh connection: an idle one may have been cut off meanwhile
        go.wait()
        try:
            client.run(workflows, start=first, stats=mine)
        except Exception as exc:  # reported in the row, not raised in a thread
            errors.append(str(exc)[:200])

    pairs = zip(clients, stats, strict=True)
    threads = [threading.Thread(target=work, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [ms for s in stats for step in s.step_ms.values() for ms in step], errors


def measure(ctx: Context) -> list[Result]:
    plan = ctx.plan
    where = ctx.directory("concurrency")
    url = f"sqlite:///{where / 'shop.sqlite3'}"
    loaded = data.build(url, data.ShopSpec(plan.small))
    techs = {f"wf-tech{i:02d}": ["technician"] for i in range(CLIENTS)}
    data.add_users(url, {"wf-master": ["master"], "wf-qc": ["qc_inspector"], **techs})
    server = Server(url, ctx.env)
    start(server)
    try:
        clients = _clients(server.base, CLIENTS)
        numbers = {"one": 1, "many": 1}

        def phase(name: str, group: list[WorkflowClient]) -> Callable[[], Phase]:
            def round_() -> Phase:
                first = numbers[name]
                numbers[name] += plan.concurrent
                return run_phase(group, plan.concurrent, first)

            return round_

        # The single client is the 16th's, numbered apart so their bikes never collide.
        numbers["one"] = 1_000_000
        phases = alternate(plan.rounds, {"one": phase("one", clients[-1:]),
                                         "many": phase("many", clients)})  # fmt: skip
        for client in clients:
            client.close()
    finally:
        stop(server)
    one = [ms for latencies, _ in phases["one"] for ms in latencies]
    many = [ms for latencies, _ in phases["many"] for ms in latencies]
    errors = [e for _, errs in phases["one"] + phases["many"] for e in errs]
    note = (
        f"{len(many):,} requests at {CLIENTS} clients (p50 {percentile(many, 50):.3g} ms), "
        f"baseline: p99 of the same workflow at 1 client ({len(one):,} requests)"
    )
    row = value_row(f"p99 request latency, {CLIENTS} concurrent clients running the HTTP "
                    f"workflow, SQLite, {loaded.tickets:,}-ticket shop", percentile(many, 99),
                    "ms", 400, percentile(one, 99), note)  # fmt: skip
    if errors:
        row.met = False
        row.note += f"; {len(errors)} clients failed, e.g. {errors[0]}"
    return [row]
