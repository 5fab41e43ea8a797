"""How long `shopfloor audit verify` takes on a big shop.

Bulk-loads a shop with ``bench/data.py`` (realistic histories: QC failures and
rework, parks, paused timers, XP; about 5.8 transitions and 3.6 timer events per
ticket), then times :func:`verify_shop`, which must also come out clean: the loaded
data is consistent with its history.

    .venv/bin/python bench/audit_verify.py --tickets 10000 100000 [--postgres ADMIN_URL]

With ``--postgres`` (e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``) each shop
goes into a scratch database on that server, dropped afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import data
from shopfloor.domain import Shop
from shopfloor.domain.audit import verify_shop
from shopfloor.domain.database import create_db_engine


def measure(url: str, tickets: int, repeat: int) -> None:
    loaded = data.build(url, data.ShopSpec(tickets))
    shop = Shop(create_db_engine(url))
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        report = verify_shop(shop)
        timings.append(time.perf_counter() - began)
    assert report.clean, report.drifts[:5]
    with shop.engine.connect() as conn:
        events = conn.execute(text("SELECT COUNT(*) FROM work_session_events")).scalar()
    print(
        f"{shop.engine.dialect.name:<10} {tickets:>8,} tickets {loaded.transitions:>10,} "
        f"transitions {events:>10,} timer events   load {loaded.seconds:6.1f} s   "
        f"verify median {statistics.median(timings):6.2f} s (min {min(timings):.2f} s)"
    )
    shop.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL server (admin URL) to use instead")
    args = parser.parse_args()
    for tickets in args.tickets:
        if args.postgres:
            with data.postgres_scratch(args.postgres) as scratch:
                measure(scratch.create(f"audit{tickets}"), tickets, args.repeat)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                measure(f"sqlite:///{Path(tmp) / 'audit.sqlite3'}", tickets, args.repeat)


if __name__ == "__main__":
    main()
