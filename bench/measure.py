"""What every measure of ``bench/run.py`` shares: its rows, its plan and context, alternation.

A measure is a function ``measure(ctx: Context) -> list[Result]``, listed by name in
``bench/run.py``'s ``MEASURES``. Each row compares a value with a baseline measured in
the same run (``ratio_row``) or with a fixed target (``value_row``); a baseline that
needs something this run did not have (the original system, without ``--original``)
is "not measured": the value is still there, the baseline, ratio and ``met`` are not.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bench import data
from bench.pg_statement_counter import CounterProxy

T = TypeVar("T")
POSTGRES_URL = os.environ.get("SHOPFLOOR_BENCH_POSTGRES_URL", data.POSTGRES_ADMIN_URL)


@dataclass
class Result:
    """One row of results.json.

    ``compare`` says how ``met`` is decided: ``ratio <=`` or ``ratio >=`` the target
    (``ratio`` = value / baseline, both measured in this run) or ``value <=`` the target
    (in ``unit``; a baseline is then shown for reference only). ``met`` is None when the
    row could not be decided (its baseline was not measured); ``note`` says why, and
    what else was seen.
    """

    name: str
    value: float
    unit: str
    baseline: float | None
    ratio: float | None
    target: float
    met: bool | None
    compare: str = "ratio <="
    note: str = ""


def _round(x: float) -> float:
    return float(f"{x:.4g}")


def ratio_row(name: str, value: float, unit: str, baseline: float | None, target: float,
              compare: str = "ratio <=", note: str = "") -> Result:  # fmt: skip
    """A row judged by value / baseline; with no baseline, "not measured"."""
    if compare not in ("ratio <=", "ratio >="):
        raise ValueError(compare)
    if baseline is None or baseline <= 0:
        why = note or "baseline not measured in this run"
        return Result(name, _round(value), unit, None, None, target, None, compare, why)
    ratio = value / baseline
    met = ratio >= target if compare == "ratio >=" else ratio <= target
    return Result(name, _round(value), unit, _round(baseline), _round(ratio), target, met,
                  compare, note)  # fmt: skip


def value_row(name: str, value: float, unit: str, most: float,
              baseline: float | None = None, note: str = "") -> Result:  # fmt: skip
    """A row judged by ``value <= most``; a baseline, if any, is shown beside it."""
    ratio = None if not baseline else _round(value / baseline)
    base = None if baseline is None else _round(baseline)
    return Result(name, _round(value), unit, base, ratio, most, value <= most, "value <=", note)


def alternate(rounds: int, contenders: dict[str, Callable[[], T]]) -> dict[str, list[T]]:
    """Call each contender once per round, in turn; the order reverses every other round
    (A B, B A, A B, ...), so drift in the machine's load and any "goes second" effect
    fall on every contender alike. Each contender's results, in round order."""
    out: dict[str, list[T]] = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            out[name].append(contenders[name]())
    return out


def percentile(samples: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``samples``, interpolated between neighbours."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    at = (len(ordered) - 1) * q / 100
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def median(samples: list[float]) -> float:
    return statistics.median(samples)


@dataclass(frozen=True)
class Plan:
    """How big a run is: ``small``/``large`` shops (tickets), alternating ``rounds``, and
    per round: ``workflows`` (HTTP), ``requests`` (list and bare), ``analytics``,
    ``domain`` (in-process workflows), ``clients`` workflows per concurrent client."""

    name: str
    small: int
    large: int
    rounds: int
    workflows: int
    requests: int
    analytics: int
    domain: int
    concurrent: int
    tui_rounds: int


PLANS = {
    "smoke": Plan("smoke", 200, 2_000, 2, 3, 10, 3, 5, 1, 1),
    "quick": Plan("quick", 10_000, 100_000, 4, 15, 60, 15, 40, 4, 3),
    "full": Plan("full", 10_000, 100_000, 8, 30, 150, 40, 100, 8, 7),
}


@dataclass(frozen=True)
class Original:
    """A running original (rmbot) API to measure beside shopfloor: its base URL, the
    users the workflow logs in as, and, optionally, the control port of a
    ``pg_statement_counter.py`` between it and its database."""

    url: str
    intake: tuple[str, str]
    technician: tuple[str, str]
    qc: tuple[str, str]
    counter: tuple[str, int] | None = None


@dataclass
class LoadedShop:
    """A loaded scratch database and what it holds."""

    url: str
    tickets: int
    transitions: int

    @property
    def label(self) -> str:
        return f"{self.tickets:,} tickets ({self.transitions:,} transitions)"


# The bench's own users in every PostgreSQL shop: a reader and the workflow's three.
BENCH_USERS = {"bench": ["ops_manager", "master"], "wf-master": ["master"],
               "wf-tech": ["technician"], "wf-qc": ["qc_inspector"]}  # fmt: skip


class PostgresShops:
    """Scratch databases with loaded shops (each built once per run, shared by the
    measures) and one statement-counting proxy in front of the server."""

    def __init__(self, admin_url: str, stack: ExitStack) -> None:
        reason = data.postgres_reachable(admin_url)
        if reason:
            raise SystemExit(f"{reason}; set SHOPFLOOR_BENCH_POSTGRES_URL to a server to use")
        from sqlalchemy.engine import make_url

        parsed = make_url(admin_url)
        upstream = (parsed.host or "127.0.0.1", parsed.port or 5432)
        self.proxy = CounterProxy(("127.0.0.1", 0), upstream).start()
        stack.callback(self.proxy.stop)
        self.scratch = stack.enter_context(data.postgres_scratch(admin_url))
        self._shops: dict[int, LoadedShop] = {}

    def shop(self, tickets: int) -> LoadedShop:
        """The shop of ``tickets`` tickets, loaded the first time it is asked for."""
        if tickets not in self._shops:
            url = self.scratch.create(f"t{tickets}")
            loaded = data.build(url, data.ShopSpec(tickets))
            print(f"  loaded {loaded.summary()}", flush=True)
            data.add_users(url, BENCH_USERS)
            self._shops[tickets] = LoadedShop(url, loaded.tickets, loaded.transitions)
        return self._shops[tickets]

    def counted_url(self, url: str) -> str:
        """``url`` through the counting proxy."""
        from sqlalchemy.engine import make_url

        return (
            make_url(url)
            .set(host="127.0.0.1", port=self.proxy.port)
            .render_as_string(hide_password=False)
        )


@dataclass
class Context:
    """What a measure gets: the plan, a scratch directory, the environment for the
    processes it starts, and the resources measures share (opened on first use,
    closed when the run ends)."""

    plan: Plan
    tmp: Path
    env: dict[str, str]
    million: bool = False
    original: Original | None = None
    postgres_url: str = POSTGRES_URL
    stack: ExitStack = field(default_factory=ExitStack)
    _postgres: PostgresShops | None = None

    def postgres(self) -> PostgresShops:
        if self._postgres is None:
            self._postgres = PostgresShops(self.postgres_url, self.stack)
        return self._postgres

    def directory(self, name: str) -> Path:
        """A fresh directory of the run's scratch space."""
        path = self.tmp / name
        path.mkdir(parents=True, exist_ok=False)
        return path

    def close(self) -> None:
        self.stack.close()
