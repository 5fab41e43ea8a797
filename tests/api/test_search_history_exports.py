"""tickets/?q=, bikes/{id}/history/, analytics/downtime/ and exports/{kind}/ over real HTTP."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl

from .conftest import Api, Crew, refused

TODAY = datetime.now(UTC).date().isoformat()  # the live server runs on the system clock


def worked_ticket(api: Api, crew: Crew) -> dict[str, object]:
    """A ticket through QC (one fail with a note, then a pass), by crew.tech1."""
    ticket = api.ticket_in(crew, "waiting_qc")
    tid = ticket["id"]
    api.ok(api.post(f"tickets/{tid}/qc-fail/", crew.qc, {"note": "Wobbly mudguard"}))
    api.ok(api.post(f"tickets/{tid}/work-session/start/", crew.tech1))  # starts it too
    api.ok(api.post(f"tickets/{tid}/to-waiting-qc/", crew.tech1))
    return dict(api.ok(api.post(f"tickets/{tid}/qc-pass/", crew.qc)))


def test_tickets_q_searches_by_code_with_a_typo_and_by_note(api: Api, crew: Crew) -> None:
    ticket = worked_ticket(api, crew)
    code = str(ticket["bike_code"])
    mistyped = code[:-2] + code[-1] + code[-2]
    page = api.ok_page(api.get("tickets/", crew.master, q=mistyped))
    assert ticket["id"] in [t["id"] for t in page["results"]]
    page = api.ok_page(api.get("tickets/", crew.master, q=f"mudguard {code}"))
    assert [t["id"] for t in page["results"]] == [ticket["id"]]
    assert page["total_count"] == 1
    page = api.ok_page(
        api.get("tickets/", crew.master, q=code, technician=crew.tech2.id, date_from=TODAY)
    )
    assert page["results"] == []
    refused(api.get("tickets/", crew.master, q="x"), 400, "q")
    refused(api.get("tickets/", crew.master, date_from=TODAY, date_to="2020-01-01"), 400, "date_to")
    refused(api.get("tickets/", crew.master, date_from="yesterday"), 400, "date_from")


def test_a_bikes_history_over_http(api: Api, crew: Crew) -> None:
    ticket = worked_ticket(api, crew)
    history = api.ok(api.get(f"bikes/{ticket['bike']}/history/", crew.tech2))
    assert history["bike"]["bike_code"] == ticket["bike_code"]
    [repair] = history["repairs"]
    assert repair["ticket"]["id"] == ticket["id"]
    assert [(q["passed"], q["note"]) for q in repair["qc"]] == [
        (False, "Wobbly mudguard"),
        (True, ""),
    ]
    assert [w["technician"] for w in repair["workers"]] == [crew.tech1.id]
    refused(api.get("bikes/2000000000/history/", crew.tech2), 404)


def test_downtime_is_for_managers(api: Api, crew: Crew) -> None:
    data = api.ok(api.get("analytics/downtime/", crew.manager, days=3))
    assert len(data["by_day"]) == 3
    assert [r["code"] for r in data["reasons"]][:2] == ["waiting_for_parts", "tool_or_bay_busy"]
    refused(api.get("analytics/downtime/", crew.master), 403)
    refused(api.get("analytics/downtime/", crew.manager, days=0), 400, "days")


def test_exports_answer_csv_and_xlsx_files_with_totals(api: Api, crew: Crew) -> None:
    ticket = worked_ticket(api, crew)
    response = api.get("exports/tickets/", crew.manager, **{"from": TODAY, "to": TODAY})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="shopfloor-tickets-{TODAY}-to-{TODAY}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    [mine] = [r for r in rows if r["ticket"] == str(ticket["id"])]
    assert (mine["qc_fails"], mine["first_pass"], mine["xp_base"]) == ("1", "no", "3")
    assert mine["latest_qc_note"] == "Wobbly mudguard"

    response = api.get("exports/xp/", crew.admin, **{"from": TODAY, "to": TODAY, "format": "xlsx"})
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].endswith(f'-to-{TODAY}.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == ["Date", "Technician", "Username", "Base XP", "First-pass bonus XP",
                        "Inspector XP", "Total XP"]  # fmt: skip
    body, totals = cells[1:-1], cells[-1]
    assert all(isinstance(row[0], datetime) for row in body)  # dates are dates
    mine = [row for row in body if row[2] == crew.tech1.username]
    assert mine
    assert mine[0][3:] == [3, 0, 0, 3]  # numbers are numbers
    assert totals[0].startswith("Total")
    assert str(totals[6]).startswith("=SUM(G2:G")  # a formula, its value cached
    values = openpyxl.load_workbook(io.BytesIO(response.content), data_only=True).active
    assert values is not None
    assert values.cell(len(cells), 7).value == sum(row[6] for row in body)


def test_exports_refuse_what_they_cannot_export(api: Api, crew: Crew) -> None:
    window = {"from": TODAY, "to": TODAY}
    refused(api.get("exports/worktime/", crew.master, **window), 403)
    refused(api.get("exports/worktime/", crew.tech1, **window), 403)
    refused(api.get("exports/salaries/", crew.manager, **window), 404)
    refused(
        api.get("exports/worktime/", crew.manager, **{**window, "format": "pdf"}), 400, "format"
    )
    refused(api.get("exports/worktime/", crew.manager, **{"from": TODAY}), 400, "to")
    refused(
        api.get("exports/worktime/", crew.manager, **{**window, "from": "2099-01-01"}), 400, "to"
    )
    refused(
        api.get("exports/worktime/", crew.manager, **{"from": "2020-01-01", "to": TODAY}),
        400,
        "from",
    )
    refused(api.get("exports/worktime/", None, **window), 401)
