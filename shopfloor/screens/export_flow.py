"""Exports from the TUI (managers): which export, from and to which day, CSV or XLSX or
both; the files go to ``exports/`` in the data directory and the status line names them.

The figures are ``shopfloor export``'s and ``/api/v1/exports``' (:mod:`shopfloor.domain.exports`
and :mod:`shopfloor.export_files`): the same totals as the dashboard.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from ..domain import Shop, ValidationFailed
from ..domain.exports import EXPORT_KINDS, check_range, export_table
from ..export_files import filename, render
from .admin_dialogs import Field, FormDialog
from .base import ShopScreen
from .dialogs import ChoiceDialog

KIND_LABELS = {
    "worktime": "Worked time, SRT and efficiency per technician per day",
    "xp": "XP per technician per day (base, bonus, inspector)",
    "qc": "QC first pass per technician per day",
    "pauses": "Pauses by reason per technician per day",
    "tickets": "One row per ticket passed (for reviews)",
}
FORMAT_CHOICES = [("CSV", "csv"), ("XLSX (a spreadsheet)", "xlsx"), ("Both", "csv,xlsx")]


def last_week(today: date) -> tuple[date, date]:
    """Monday to Sunday of the week before ``today``'s."""
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def _write(path: Path, content: bytes) -> None:
    """Whole or not at all: through a temporary file beside it."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_export(
    shop: Shop,
    actor_id: int,
    kind: str,
    since: date,
    until: date,
    formats: tuple[str, ...],
    directory: Path,
) -> tuple[int, list[Path]]:
    """Read the export once and write it in each format to ``directory`` (runs in a
    worker): the number of rows and the files written."""
    table = export_table(shop, actor_id, kind, since, until)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for fmt in formats:
            path = directory / filename(table, fmt)
            _write(path, render(table, fmt))
            written.append(path)
    except OSError as exc:
        raise ValidationFailed(
            f"Cannot write to {directory}: {exc.strerror or exc}.", field="path"
        ) from exc
    return len(table.rows), written


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a day; write it as YYYY-MM-DD.") from None


def start_export(screen: ShopScreen, directory: Path, then: Callable[[str], None]) -> None:
    """Ask what to export, then write it; ``then`` gets the sentence naming the files."""
    app = screen.app
    today = screen.shop_app.local_now().date()
    first, last = last_week(today)

    def kind_chosen(kind: str | None) -> None:
        if kind is None:
            return

        def range_given(answers: dict[str, str] | None) -> None:
            if answers is None:
                return
            try:
                since, until = parse_day(answers["since"]), parse_day(answers["until"])
                check_range(since, until)
            except ValueError as exc:
                screen.set_status(f"{exc} Nothing was exported.", error=True)
                return
            except ValidationFailed as exc:
                screen.set_status(f"{exc.message} Nothing was exported.", error=True)
                return

            def format_chosen(formats: str | None) -> None:
                if formats is None:
                    return

                def written(result: tuple[int, list[Path]]) -> None:
                    rows, paths = result
                    names = ", ".join(p.name for p in paths)
                    then(f"Exported {rows} rows of {kind} to {paths[0].parent}: {names}")

                screen.act(
                    "export",
                    None,
                    f"Exporting {kind}",
                    write_export,
                    screen.me,
                    kind,
                    since,
                    until,
                    tuple(formats.split(",")),
                    directory,
                    done=written,
                )

            app.push_screen(
                ChoiceDialog("Which format?", FORMAT_CHOICES, scan_note="nothing was exported"),
                format_chosen,
            )

        app.push_screen(
            FormDialog(
                "From which day to which? (both included, the shop's days)",
                [
                    Field("since", "From", value=first.isoformat()),
                    Field("until", "To", value=last.isoformat()),
                ],
                detail="Last week is filled in; days as YYYY-MM-DD.",
                scan_note="nothing was exported",
            ),
            range_given,
        )

    app.push_screen(
        ChoiceDialog(
            "Export what?",
            [(KIND_LABELS[k], k) for k in EXPORT_KINDS],
            scan_note="nothing was exported",
        ),
        kind_chosen,
    )
