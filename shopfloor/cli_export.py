"""``shopfloor export KIND --from DATE --to DATE [--format csv|xlsx] [PATH]``.

Run as the local operator (no login), like the other administration commands. CSV
goes to stdout when no PATH is given; an XLSX file needs a PATH (a spreadsheet is no
text for a terminal). A file is written whole or not at all.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli_shop import with_shop as _with_shop
from .config import Settings
from .domain import ValidationFailed

if TYPE_CHECKING:
    from .domain import Shop

KINDS = ("worktime", "xp", "qc", "pauses", "tickets")


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{raw!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-03-01"
        ) from None


def _format_of(args: argparse.Namespace) -> str:
    if args.format is not None:
        return str(args.format)
    return "xlsx" if args.path and args.path.lower().endswith(".xlsx") else "csv"


def _write(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file beside it, so a failure
    never leaves half a file."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from .bootstrap import StartupError
    from .domain.exports import check_range
    from .export_files import render

    fmt = _format_of(args)
    check_range(args.since, args.until)
    if fmt == "xlsx" and not args.path:
        raise ValidationFailed(
            "An XLSX export needs a PATH to write to, e.g. worktime.xlsx.", field="path"
        )
    target = Path(args.path).expanduser() if args.path else None
    if target is not None and target.is_dir():
        raise StartupError(f"{target} is a directory; give a file name to write the export to.")

    def run(shop: Shop) -> int:
        from .domain.exports import export_table

        table = export_table(shop, None, args.kind, args.since, args.until)
        content = render(table, fmt)
        if target is None:
            sys.stdout.write(content.decode("utf-8"))
            return 0
        try:
            _write(target, content)
        except OSError as exc:
            raise StartupError(
                f"Cannot write {target}: {exc.strerror or exc}; choose another PATH."
            ) from exc
        print(
            f"Wrote {len(table.rows)} rows of {args.kind} from {args.since} to {args.until} "
            f"({table.time_zone} days) to {target}."
        )
        return 0

    return _with_shop(settings, run)


class _Intermixed(argparse.ArgumentParser):
    """Takes PATH after the options too (``export xp --from D --to D out.csv``): plain
    argparse matches every positional where the first one stands."""

    _inside = False

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if self._inside:  # parse_known_intermixed_args calls this again
            return super().parse_known_args(args, namespace)
        self._inside = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inside = False


def add_export_commands(sub: Any) -> None:
    """Add ``export`` to the ``shopfloor`` parser."""
    export = sub.add_parser(
        "export",
        help="worked time, XP, QC or pauses per technician per day (or tickets) as CSV or XLSX",
    )
    # The shopfloor parser's class (one-line errors), taking positionals anywhere.
    export.__class__ = type("ExportParser", (_Intermixed, type(export)), {})
    export.add_argument("kind", choices=KINDS, metavar="KIND", help=f"one of: {', '.join(KINDS)}")
    export.add_argument(
        "--from", dest="since", type=_day, required=True, metavar="DATE", help="first day"
    )
    export.add_argument(
        "--to", dest="until", type=_day, required=True, metavar="DATE", help="last day (included)"
    )
    export.add_argument(
        "--format", choices=("csv", "xlsx"), help="default: csv, or xlsx for a PATH ending .xlsx"
    )
    export.add_argument("path", nargs="?", metavar="PATH", help="the file to write (csv: stdout)")
    export.set_defaults(func=cmd_export)
