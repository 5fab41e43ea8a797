"""Reads over HTTP on PostgreSQL: the ticket list against a bare endpoint, and how the
list and the analytics grow with the shop's history.

Every shop's ``shopfloor serve`` (1 worker) and the bare FastAPI endpoint
(``bench/bare.py``) run at once; each round asks every server in turn (the order
reversing every other round) for its share of each path on one keep-alive connection,
so the growth ratios (large shop / small shop) are taken from interleaved samples and
drift in the machine's load falls on both sides. Statements per request are counted
afterwards on a server per shop that talks to PostgreSQL through the counting proxy.
"""

from __future__ import annotations

from collections.abc import Callable

from bench import data
from bench.measure import (
    Context,
    LoadedShop,
    PostgresShops,
    Result,
    alternate,
    median,
    ratio_row,
    value_row,
)
from bench.servers import HEALTH, BareServer, Process, Server, login, start, stop, timed_gets

LIST = "/api/v1/tickets/?per_page=50"
FLEET, TEAM = "/api/v1/analytics/fleet/", "/api/v1/analytics/team/?days=30"
NAMES = {LIST: "GET tickets/?per_page=50", FLEET: "analytics/fleet/",
         TEAM: "analytics/team/?days=30"}  # fmt: skip
Samples = dict[str, list[float]]


def _sampler(server: Process, paths: dict[str, int], token: str | None) -> Callable[[], Samples]:
    """One round on ``server``: ``paths[p]`` timed GETs of each path, one connection."""
    conn = server.connect()
    for path, n in paths.items():
        timed_gets(conn, path, token, max(3, n // 5))  # warm up

    def round_() -> Samples:
        conn.close()  # reopened by the first request: the last round's may have idled out
        timed_gets(conn, server.ready_path, token, 1)
        return {path: timed_gets(conn, path, token, n) for path, n in paths.items()}

    return round_


def _pooled(rounds: list[Samples]) -> Samples:
    out: Samples = {}
    for samples in rounds:
        for path, ms in samples.items():
            out.setdefault(path, []).extend(ms)
    return out


def _statements(pg: PostgresShops, server: Server, paths: list[str]) -> dict[str, float]:
    """Statements per request of each path, on ``server`` (through the counting proxy)."""
    token = login(server.port, "bench")
    conn = server.connect()
    out = {}
    for path in paths:
        timed_gets(conn, path, token, 2)  # first-use queries are not per request
        pg.proxy.reset()
        timed_gets(conn, path, token, 5)
        out[path] = pg.proxy.snapshot()["total"] / 5
    conn.close()
    return out


def measure(ctx: Context) -> list[Result]:
    plan, pg = ctx.plan, ctx.postgres()
    shops = [pg.shop(plan.small), pg.shop(plan.large)]
    if ctx.million:
        shops.append(pg.shop(data.tickets_for_transitions(1_000_000)))
    # The analytics comparison: the two largest shops, or with --million issue 13's
    # pair, about 100,000 vs 1,000,000 transitions (the same recent days in both).
    low = pg.shop(data.tickets_for_transitions(100_000)) if ctx.million else shops[0]
    everyone = shops if low in shops else [*shops, low]
    servers = {shop.label: Server(shop.url, ctx.env) for shop in everyone}
    # Statements are counted on other servers, through the proxy: the smallest shop's
    # list, and everything on the largest. They start with the timed ones (in parallel)
    # and sit idle until the timing is over.
    to_count = {shops[0].label: [LIST], shops[-1].label: [LIST, FLEET, TEAM]}
    counters = {s.label: Server(pg.counted_url(s.url), ctx.env) for s in shops
                if s.label in to_count}  # fmt: skip
    bare = BareServer(ctx.env)
    everything = [*servers.values(), *counters.values(), bare]
    start(*everything)
    try:
        contenders: dict[str, Callable[[], Samples]] = {}
        for shop in everyone:
            paths = {FLEET: plan.analytics, TEAM: plan.analytics}
            if shop in shops:
                paths = {LIST: plan.requests, HEALTH: plan.requests, **paths}
            server = servers[shop.label]
            contenders[shop.label] = _sampler(server, paths, login(server.port, "bench"))
        contenders["bare"] = _sampler(bare, {bare.ready_path: plan.requests}, None)
        pooled = {name: _pooled(r) for name, r in alternate(plan.rounds, contenders).items()}
        counted = {label: _statements(pg, counters[label], paths)
                   for label, paths in to_count.items()}  # fmt: skip
    finally:
        stop(*everything)
    return _rows(shops, low, pooled, pooled["bare"][bare.ready_path], counted)


def _rows(shops: list[LoadedShop], low: LoadedShop, ms: dict[str, Samples], bare: list[float],
          statements: dict[str, dict[str, float]]) -> list[Result]:  # fmt: skip
    p50 = median
    bare_p50 = p50(bare)
    out = []
    for shop in shops:
        seen = ms[shop.label]
        health = p50(seen[HEALTH])
        note = f"misc/health/ p50 {health:.3g} ms ({health / bare_p50:.2g} times the bare endpoint)"
        out.append(ratio_row(f"GET tickets/?per_page=50 p50 vs a bare FastAPI endpoint, "
                             f"{shop.label}", p50(seen[LIST]), "ms", bare_p50, 3.0,
                             note=note))  # fmt: skip
        if shop.label in statements:
            out.append(value_row(f"SQL statements per GET tickets/?per_page=50, {shop.tickets:,} "
                                 "tickets", statements[shop.label][LIST], "statements",
                                 3))  # fmt: skip
    small, big = shops[0], shops[-1]
    out.append(ratio_row(f"GET tickets/?per_page=50 p50 growth, {big.tickets:,} vs "
                         f"{small.tickets:,} tickets", p50(ms[big.label][LIST]), "ms",
                         p50(ms[small.label][LIST]), 1.2,
                         note="both shops' servers sampled in alternating rounds"))  # fmt: skip
    for path in (FLEET, TEAM):
        name = NAMES[path]
        counted = statements[big.label][path]
        out.append(value_row(f"{name} p50, {big.label}", p50(ms[big.label][path]), "ms", 30,
                             note=f"{counted:g} statements"))  # fmt: skip
        out.append(ratio_row(f"{name} p50 growth, {big.label} vs {low.label}",
                             p50(ms[big.label][path]), "ms", p50(ms[low.label][path]), 1.2,
                             note="both shops' servers sampled in alternating rounds"))  # fmt: skip
    return out
