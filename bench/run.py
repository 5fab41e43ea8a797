"""Every speed target of the project, each against a baseline measured in the same run.

    .venv/bin/python bench/run.py --quick             # shops of 10,000 and 100,000 tickets
    .venv/bin/python bench/run.py --full              # the same, more rounds
    .venv/bin/python bench/run.py --full --million    # plus shops of 100k and 1M transitions
    .venv/bin/python bench/run.py --smoke --no-write  # the smallest run (CI)
    .venv/bin/python bench/run.py --quick --only tui,domain           # some measures only
    .venv/bin/python bench/run.py --quick --original http://127.0.0.1:8001 \\
        --original-users master:PW,tech:PW,qc:PW     # also against the original system

No baseline is a number from an earlier run: each measure runs its contenders in
alternating rounds (A B, B A, ...) in this process's run, so drift in the machine's load
falls on both sides of every ratio. A row whose baseline needs something this run did
not have (the original, without ``--original``) keeps its value and says "not measured".

Each measure is a function ``measure(ctx: Context) -> list[Result]`` (``bench/measure.py``)
named in :data:`MEASURES`; a new one is one line there. The command builds its own
data (``bench/data.py``) in scratch PostgreSQL databases (``SHOPFLOOR_BENCH_POSTGRES_URL``,
default ``postgresql://postgres@127.0.0.1:5432/postgres``; dropped afterwards) and
SQLite files in a temporary directory, writes ``bench/results.json`` and the table
between the markers in ``bench/README.md`` (``--no-write``: print only).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import PLANS, Context, Original, Result  # noqa: E402
from bench.servers import SECRET  # noqa: E402

README = ROOT / "bench" / "README.md"
RESULTS = ROOT / "bench" / "results.json"
BEGIN, END = "<!-- bench/run.py results -->", "<!-- end bench/run.py results -->"

# name -> "module:function"; run in this order. Another measure is one more line here.
MEASURES: dict[str, str] = {
    "tui": "bench.tui:measure",
    "domain": "bench.domain_workflow:measure",
    "reads": "bench.http_reads:measure",
    "workflow": "bench.http_workflow:measure",
    "concurrency": "bench.concurrency:measure",
    "terminals": "bench.terminals:measure",
    "logins": "bench.login_fairness:measure",
}


def load(target: str) -> Callable[[Context], list[Result]]:
    """The measure function that ``module:function`` names."""
    module, _, function = target.partition(":")
    found: Callable[[Context], list[Result]] = getattr(importlib.import_module(module), function)
    return found


def selected(only: str | None) -> dict[str, str]:
    """The measures ``--only`` names (comma-separated), in :data:`MEASURES`' order."""
    if not only:
        return dict(MEASURES)
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in MEASURES]
    if unknown:
        raise SystemExit(f"unknown measure {', '.join(unknown)}; known: {', '.join(MEASURES)}")
    return {name: target for name, target in MEASURES.items() if name in wanted}


def _pair(text: str) -> tuple[str, str]:
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise argparse.ArgumentTypeError(f"give user:password, not {text!r}")
    return user, password


def original_from(args: argparse.Namespace) -> Original | None:
    """The original system to measure beside shopfloor, from the command line."""
    if not args.original:
        return None
    if not args.original_users:
        raise SystemExit("--original needs --original-users INTAKE:PW[,TECH:PW,QC:PW]")
    users = [_pair(u) for u in args.original_users.split(",")]
    intake, technician, qc = (users + [users[-1]] * 2)[:3] if len(users) < 3 else users[:3]
    counter = None
    if args.original_counter:
        host, _, port = args.original_counter.rpartition(":")
        counter = (host or "127.0.0.1", int(port))
    return Original(args.original.rstrip("/"), intake, technician, qc, counter)


# --- report -----------------------------------------------------------------------------------


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def _target(r: Result) -> str:
    return {"ratio <=": f"ratio ≤ {r.target:g}", "ratio >=": f"ratio ≥ {r.target:g}",
            "value <=": f"≤ {r.target:g} {r.unit}"}[r.compare]  # fmt: skip


def _met(r: Result) -> str:
    return "not measured" if r.met is None else "yes" if r.met else "**no**"


def table(results: list[Result], header: str) -> str:
    """The README's table of ``results``, each row's note below it."""
    rows = [header, "", "| measure | shopfloor | baseline | ratio | target | met |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        rows.append(f"| {r.name} | {_num(r.value, r.unit)} | {_num(r.baseline, r.unit)} | "
                    f"{_num(r.ratio)} | {_target(r)} | {_met(r)} |")  # fmt: skip
    notes = [f"- {r.name}: {r.note}" for r in results if r.note]
    if notes:
        rows += ["", *notes]
    return "\n".join(rows)


def write_readme(text: str) -> None:
    readme = README.read_text()
    if BEGIN in readme:
        before, rest = readme.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        readme = f"{before}{BEGIN}\n{text}\n{END}{after}"
    else:
        readme = f"{readme.rstrip()}\n\n{BEGIN}\n{text}\n{END}\n"
    README.write_text(readme)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_const", dest="size", const="quick")
    size.add_argument("--full", action="store_const", dest="size", const="full")
    size.add_argument("--smoke", action="store_const", dest="size", const="smoke",
                      help="the smallest run, to prove the command works (CI)")  # fmt: skip
    parser.add_argument("--million", action="store_true",
                        help="add shops of about 1,000,000 and 100,000 transitions")  # fmt: skip
    parser.add_argument("--only", help=f"comma-separated measures of: {', '.join(MEASURES)}")
    parser.add_argument(
        "--original",
        metavar="URL",
        help="a running original (rmbot) API, e.g. http://127.0.0.1:8001",
    )
    parser.add_argument(
        "--original-users",
        metavar="U:PW[,U:PW,U:PW]",
        help="the original's intake (master), technician and QC users",
    )
    parser.add_argument("--original-counter", metavar="HOST:PORT",
                        help="control port of a pg_statement_counter.py in front of the "
                             "original's database")  # fmt: skip
    parser.add_argument("--label", help="a line saying what code was measured (README, JSON)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    plan = PLANS[args.size or "quick"]
    measures = selected(args.only)
    original = original_from(args)
    results: list[Result] = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp_dir:
        env = {**os.environ, "SHOPFLOOR_DATA_DIR": tmp_dir, "SHOPFLOOR_SECRET_KEY": SECRET,
               "PYTHONPATH": str(ROOT)}  # fmt: skip
        ctx = Context(plan, Path(tmp_dir), env, million=args.million, original=original)
        try:
            for name, target in measures.items():
                print(f"{name} ...", flush=True)
                began = time.perf_counter()
                results += load(target)(ctx)
                print(f"  {name}: {time.perf_counter() - began:.0f} s", flush=True)
        finally:
            ctx.close()
    run = describe(args, plan.rounds)
    run["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    header = (f"`bench/run.py {run['flags']}`, {run['at']}, code {run['commit']}, "
              f"{run['cpus']} CPUs, Python {run['python']}, {plan.rounds} alternating rounds; "
              f"1-minute load average {load_before:.1f} at the start, "
              f"{run['load_average'][1]:.1f} at the end; "
              f"peak RSS of this runner {run['runner_peak_mib']} MiB")  # fmt: skip
    if args.label:
        header = f"**{args.label}**\n\n{header}"
    text = table(results, header)
    print(text)
    if not args.no_write:
        body = {"run": run, "results": [asdict(r) for r in results]}
        RESULTS.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        write_readme(text)


def describe(args: argparse.Namespace, rounds: int) -> dict[str, Any]:
    """What results.json says about the run itself."""
    flags = f"--{args.size or 'quick'}" + (" --million" if args.million else "")
    flags += f" --only {args.only}" if args.only else ""
    flags += " --original …" if args.original else ""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                                capture_output=True, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "flags": flags,
        "label": args.label or "",
        "at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "commit": commit,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "rounds": rounds,
        "runner_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


if __name__ == "__main__":
    main()
