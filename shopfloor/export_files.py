"""An export table as a file: CSV (UTF-8, a header row) or XLSX (XlsxWriter).

The XLSX sheet has a header row, typed cells (numbers as numbers, dates and times as
Excel dates in the shop's time zone, yes/no as booleans) and a totals row whose sums
are formulas with their values cached, so a reader that does not recalculate still
sees them. The CSV has the same columns and rows, without the totals (a program adds
them up itself); times are ISO 8601 with the shop's offset.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from .domain import ValidationFailed
from .domain.exports import ExportTable

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationFailed(
            f"format {fmt[:20]!r} is not one of: {', '.join(FORMATS)}.", field="format"
        )
    return fmt


def filename(table: ExportTable, fmt: str) -> str:
    """``shopfloor-worktime-2026-03-01-to-2026-03-07.csv``"""
    return f"shopfloor-{table.kind}-{table.since}-to-{table.until}.{fmt}"


def render(table: ExportTable, fmt: str) -> bytes:
    return to_xlsx(table) if check_format(fmt) == "xlsx" else to_csv(table).encode("utf-8")


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def to_csv(table: ExportTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(v) for v in row])
    return out.getvalue()


def to_xlsx(table: ExportTable) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet(table.kind.capitalize())
    bold = book.add_format({"bold": True})
    formats = {
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "float": book.add_format({"num_format": "0.00"}),
        "percent": book.add_format({"num_format": "0.0"}),
    }
    total_formats = {
        name: book.add_format({"bold": True, "num_format": "0.00"}) for name in ("float",)
    }
    total_formats["percent"] = book.add_format({"bold": True, "num_format": "0.0"})
    for col, column in enumerate(table.columns):
        sheet.write_string(0, col, column.label, bold)
        sheet.set_column(col, col, max(10, min(40, len(column.label) + 2)))
    for r, row in enumerate(table.rows, start=1):
        for col, (column, value) in enumerate(zip(table.columns, row, strict=True)):
            _cell(sheet, r, col, column.type, value, formats.get(column.type))
    last = len(table.rows) + 1
    for col, (column, value) in enumerate(zip(table.columns, table.totals, strict=True)):
        fmt = total_formats.get(column.type, bold)
        if column.summed and table.rows:
            first_cell, last_cell = xl_rowcol_to_cell(1, col), xl_rowcol_to_cell(last - 1, col)
            sheet.write_formula(last, col, f"=SUM({first_cell}:{last_cell})", fmt, value)
        else:
            _cell(sheet, last, col, column.type, value, fmt)
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


def _cell(sheet: Any, row: int, col: int, kind: str, value: Any, fmt: Any) -> None:
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value, fmt)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)
