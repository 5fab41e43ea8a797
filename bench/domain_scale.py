"""How the read use cases scale with the size of the shop.

Builds two shops with ``bench/data.py`` (a small baseline and a large one, bulk-loaded
with realistic histories), then times each read use case on both and prints the
large/small ratio and the number of SQL statements each call issues. A ratio near 1
means the call does not grow with the tables; statements must not grow at all.

    .venv/bin/python bench/domain_scale.py --tickets 10000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import data
from shopfloor.domain import (
    Shop,
    fleet_analytics,
    get_ticket,
    list_tickets,
    team_analytics,
    ticket_transitions,
    work_session_history,
)
from shopfloor.domain.database import create_db_engine


def build(url: str, tickets: int) -> tuple[Shop, dict[str, int]]:
    """A bulk-loaded shop of ``tickets`` tickets; the ids the calls need."""
    data.build(url, data.ShopSpec(tickets))
    # The newest ticket: still open, with the fullest reads (timer, history).
    return Shop(create_db_engine(url)), {"manager": data.MANAGER_ID, "ticket": tickets}


def measure(shop: Shop, call: Callable[[], Any], repeat: int) -> tuple[float, int]:
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    call()  # warm caches
    event.listen(shop.engine, "before_cursor_execute", count)
    call()
    per_call = statements
    event.remove(shop.engine, "before_cursor_execute", count)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), per_call


def calls(shop: Shop, ids: dict[str, int]) -> dict[str, Callable[[], Any]]:
    m, t = ids["manager"], ids["ticket"]
    return {
        "list_tickets page 1 (10)": lambda: list_tickets(shop, per_page=10),
        "list_tickets page 1 (100)": lambda: list_tickets(shop, per_page=100),
        "list_tickets waiting_qc oldest": lambda: list_tickets(
            shop, status="new", oldest_first=True
        ),
        "get_ticket": lambda: get_ticket(shop, t),
        "ticket_transitions": lambda: ticket_transitions(shop, t),
        "work_session_history": lambda: work_session_history(shop, t),
        "fleet_analytics (14 d)": lambda: fleet_analytics(shop, m),
        "team_analytics (7 d)": lambda: team_analytics(shop, m),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        small, small_ids = build(f"sqlite:///{Path(tmp) / 'small.sqlite3'}", args.baseline)
        large, large_ids = build(f"sqlite:///{Path(tmp) / 'large.sqlite3'}", args.tickets)
        took = time.perf_counter() - started
        print(f"built {args.baseline} and {args.tickets} tickets in {took:.0f} s")
        header = ("use case", "baseline ms", "large ms", "ratio", "SQL", "SQL large")
        print("{:<34}{:>12}{:>10}{:>8}{:>6}{:>10}".format(*header))
        small_calls, large_calls = calls(small, small_ids), calls(large, large_ids)
        for name, call in small_calls.items():
            base, base_sql = measure(small, call, args.repeat)
            big, big_sql = measure(large, large_calls[name], args.repeat)
            row = (name, base * 1000, big * 1000, big / base, base_sql, big_sql)
            print("{:<34}{:>12.2f}{:>10.2f}{:>8.2f}{:>6}{:>10}".format(*row))
        small.dispose()
        large.dispose()


if __name__ == "__main__":
    main()
