"""exports/{kind}/: payroll and review exports as CSV or XLSX files, for managers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from ...domain.exports import EXPORT_KINDS, MAX_EXPORT_DAYS, export_table
from ...export_files import FORMATS, MEDIA_TYPES, check_format, filename, render
from ..deps import CallerDep, ShopDep
from ..params import Day
from ..responses import AUTHED

router = APIRouter(prefix="/exports", tags=["exports"], responses=AUTHED)

_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The export as a file (`Content-Disposition: attachment`).",
        "content": {
            MEDIA_TYPES["csv"]: {"schema": {"type": "string"}},
            MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.get("/{kind}/", response_class=Response, responses=_FILES)
def export(
    shop: ShopDep,
    caller: CallerDep,
    kind: Annotated[
        str,
        Path(
            description="worktime, xp, qc, pauses (per technician per day) or tickets "
            "(one row per ticket that passed QC).",
            json_schema_extra={"enum": list(EXPORT_KINDS)},
        ),
    ],
    date_from: Annotated[Day, Query(alias="from", description="First shop-local day, YYYY-MM-DD.")],
    date_to: Annotated[
        Day,
        Query(
            alias="to",
            description=f"Last day (included); at most {MAX_EXPORT_DAYS} days after `from`.",
        ),
    ],
    format: Annotated[
        str, Query(description="csv or xlsx.", json_schema_extra={"enum": list(FORMATS)})
    ] = "csv",
) -> Response:
    """Worked time, SRT and efficiency (worktime), XP by kind (xp), QC first pass (qc) or
    pauses by reason (pauses) per technician per shop-local day, or one row per ticket
    (tickets), from ``from`` to ``to``. Super admins and operations managers."""
    check_format(format)
    table = export_table(shop, caller.user_id, kind, date_from, date_to)
    return Response(
        render(table, format),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename(table, format)}"'},
    )
