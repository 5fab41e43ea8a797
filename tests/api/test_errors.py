"""What a careless or hostile client can send: always an envelope, never a 500 or a trace."""

from __future__ import annotations

import contextlib
import json
import select
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import Api, Crew, intake_body, refused, start_server, stop_server


def raw(api: Api, crew: Crew, path: str, content: bytes, content_type: str = "application/json"):  # type: ignore[no-untyped-def]
    return api.request(
        "POST",
        path,
        crew.admin,
        content=content,
        headers={"Content-Type": content_type},
    )


def assert_clean(response: Any) -> None:
    """No stack trace or framework internals leak into a body."""
    text = response.text
    for leak in ("Traceback", 'File "', "sqlalchemy", "pydantic", "psycopg", "sqlite3"):
        assert leak not in text, text


@pytest.mark.parametrize(
    "content",
    [b"{bad", b"", b"[]", b'"text"', b"null", b"123", b'{"a":', b"\xff\xfe\x00", b"{}" * 3],
)
def test_malformed_bodies_are_400(api: Api, crew: Crew, content: bytes) -> None:
    response = raw(api, crew, "tickets/create/", content)
    body = refused(response, 400)
    assert_clean(response)
    assert "body" in body["message"] or "required" in body["message"]


def test_form_encoded_body_is_400(api: Api, crew: Crew) -> None:
    response = raw(
        api, crew, "bikes/create/", b"bike_code=RM-0001", "application/x-www-form-urlencoded"
    )
    refused(response, 400)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"srt_total_minutes": "45"}, "srt_total_minutes"),
        ({"srt_total_minutes": 45.5}, "srt_total_minutes"),
        ({"srt_total_minutes": 10**40}, "srt_total_minutes"),
        ({"srt_total_minutes": -(10**40)}, "srt_total_minutes"),
        ({"srt_total_minutes": True}, "srt_total_minutes"),
        ({"srt_total_minutes": None}, "srt_total_minutes"),
        ({"approve_srt": "yes"}, "approve_srt"),
        ({"approve_srt": 1}, "approve_srt"),
        ({"title": 5}, "title"),
        ({"title": "x" * 5000}, "title"),
        ({"title": "bad\u0000nul"}, "title"),
        ({"bike_code": ["RM-0001"]}, "bike_code"),
        ({"checklist_snapshot": "ten things"}, "checklist_snapshot"),
        ({"checklist_snapshot": [1, 2, 3]}, "checklist_snapshot"),
        ({"checklist_snapshot": [{"no": "task"}] * 10}, "checklist_snapshot"),
        ({"checklist_snapshot": [{"task": "a\u0000"}] * 10}, "checklist_snapshot"),
        ({"checklist_snapshot": [{"\u0000": "a"}] * 10}, "checklist_snapshot"),
        ({"bike_creation_reason": 7, "confirm_create_bike": True}, "bike_creation_reason"),
    ],
)
def test_wrong_types_and_huge_numbers_are_400_naming_the_field(
    api: Api, crew: Crew, overrides: dict[str, Any], field: str
) -> None:
    code = api.add_bike(crew.master)["bike_code"]
    response = api.post("tickets/create/", crew.master, intake_body(code, **overrides))
    body = refused(response, 400, field)
    assert field.split("_")[0] in body["message"].lower()
    assert_clean(response)


@pytest.mark.parametrize(
    "title",
    [
        "Тормоза 🚲 ブレーキ",
        "\u202eevil rtl",
        "e\u0301\u0301\u0301",
        "\ufeffbom",
        "tab\tand\nnewline",
        "\U0010ffff",
    ],
)
def test_odd_but_valid_unicode_round_trips(api: Api, crew: Crew, title: str) -> None:
    ticket = api.intake(crew.master, title=title)
    assert ticket["title"] == " ".join(title.split())


@pytest.mark.parametrize(
    "content",
    [
        b'{"bike_code": "\\ud800"}',
        b'{"bike_code": "RM-\\u0000AAAA"}',
        b'{"bike_code": "RM-' + "\u00e9".encode() * 40 + b'"}',
        b'{"bike_code": 1e999}',
        b'{"bike_code": NaN}',
        b'{"bike_code": "' + b"9" * 5000 + b'"}',
        b'{"bike_code": ' + b"9" * 5000 + b"}",
        b'{"bike_code": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    ],
)
def test_hostile_json_is_400(api: Api, crew: Crew, content: bytes) -> None:
    response = raw(api, crew, "bikes/create/", content)
    refused(response, 400)
    assert_clean(response)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("tickets/", {"technician": 10**30}),
        ("tickets/", {"page": 10**30}),
        ("tickets/", {"per_page": -(10**30)}),
        ("tickets/", {"bike_code": "RM-\x00\x00\x00\x00"}),
        ("tickets/", {"status": "new\x00"}),
        ("bikes/", {"q": "\x00\x00"}),
        ("bikes/suggest/", {"q": "RM\x00"}),
        ("xp/ledger/", {"user_id": 10**30}),
        ("xp/ledger/", {"limit": 10**30}),
        ("xp/ledger/", {"ticket_id": -1}),
        ("analytics/team/", {"days": 10**30}),
    ],
)
def test_hostile_query_parameters_are_4xx(
    api: Api, crew: Crew, path: str, params: dict[str, Any]
) -> None:
    response = api.get(path, crew.admin, **params)
    assert response.status_code in (400, 404), response.text
    assert response.json()["success"] is False
    assert_clean(response)


@pytest.mark.parametrize(
    "path", ["tickets/0/", "tickets/-1/", "tickets/abc/", f"tickets/{10**30}/", "bikes/1.5/"]
)
def test_impossible_ids_in_the_path_are_404(api: Api, crew: Crew, path: str) -> None:
    body = refused(api.get(path, crew.admin), 404)
    assert body["error"] == "not_found"


@pytest.mark.parametrize("path", ["nothing/", "tickets/1/fly/", "../", "api/v2/tickets/"])
def test_unknown_route_is_404_in_the_envelope(api: Api, path: str) -> None:
    body = refused(api.get(path), 404)
    assert body["error"] == "not_found"


def test_unknown_route_outside_the_api_is_404_in_the_envelope(api: Api) -> None:
    response = api.http.get(f"{api.base_url}/favicon.ico")
    assert response.status_code == 404
    assert response.json()["success"] is False


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "tickets/"),
        ("GET", "auth/refresh/"),
        ("PUT", "auth/login/"),
        ("POST", "misc/health/"),
    ],
)
def test_wrong_method_is_405_in_the_envelope(api: Api, method: str, path: str) -> None:
    response = api.request(method, path)
    body = refused(response, 405)
    assert body["error"] == "method_not_allowed"
    assert "allow" in response.headers


def test_oversized_body_is_refused_without_reading_it(api: Api, crew: Crew) -> None:
    response = raw(
        api, crew, "bikes/create/", b'{"bike_code": "' + b"A" * (2 * 1024 * 1024) + b'"}'
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_errors_name_the_field_in_a_sentence(api: Api, crew: Crew) -> None:
    response = api.post("tickets/create/", crew.master, {"title": "x"})
    body = refused(response, 400)
    assert body["message"] == "bike_code is required; add it to the request."
    assert set(body["fields"]) == {"bike_code", "checklist_snapshot", "srt_total_minutes"}


def _stream_chunked(base_url: str, path: str, chunk: bytes, most: int) -> tuple[int, bytes]:
    """POST a chunked body of up to ``most`` bytes over a raw socket, stopping as soon as
    the server answers; returns how many body bytes went out and the response's bytes."""
    url = httpx.URL(base_url)
    sent = 0
    with socket.create_connection((url.host, url.port), timeout=30) as sock:
        head = (
            f"POST /api/v1/{path} HTTP/1.1\r\nHost: {url.host}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sock.sendall(head.encode())
        while sent < most:
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(b"%x\r\n%b\r\n" % (len(chunk), chunk))
            except OSError:  # the server closed after answering
                break
            sent += len(chunk)
        reply = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
                data = sock.recv(65536)
                if not data:
                    break
                reply += data
    return sent, reply


def test_chunked_body_is_refused_with_413_before_it_is_all_sent(api: Api) -> None:
    # A 200 MB chunked login used to be read whole; now the limit counts bytes as they
    # stream, so the answer comes after little more than 1 MB.
    sent, reply = _stream_chunked(api.base_url, "auth/login/", b" " * 65536, 200 * 1024 * 1024)
    assert sent < 8 * 1024 * 1024, f"{sent} bytes went out before any answer"
    status_line, _, rest = reply.partition(b"\r\n")
    assert b" 413 " in status_line, reply[:300]
    body = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert body["success"] is False
    assert body["error"] == "too_large"


HUGE_ID = "9" * 5000
ID_ROUTES = [
    ("GET", "tickets/{}/"),
    ("POST", "tickets/{}/assign/"),
    ("POST", "tickets/{}/start/"),
    ("POST", "tickets/{}/to-waiting-qc/"),
    ("POST", "tickets/{}/qc-pass/"),
    ("POST", "tickets/{}/qc-fail/"),
    ("POST", "tickets/{}/park/"),
    ("GET", "tickets/{}/transitions/"),
    ("POST", "tickets/{}/work-session/start/"),
    ("POST", "tickets/{}/work-session/pause/"),
    ("POST", "tickets/{}/work-session/resume/"),
    ("POST", "tickets/{}/work-session/stop/"),
    ("GET", "tickets/{}/work-session/history/"),
    ("GET", "bikes/{}/"),
    ("POST", "bikes/{}/archive/"),
    ("POST", "bikes/{}/restore/"),
]


@pytest.mark.parametrize(("method", "path"), ID_ROUTES)
def test_a_five_thousand_digit_id_is_404_on_every_id_route(
    api: Api, crew: Crew, method: str, path: str
) -> None:
    # Python will not parse an int of more than 4,300 digits; that used to be a 500.
    body = refused(api.request(method, path.format(HUGE_ID), crew.admin), 404)
    assert body["error"] == "not_found"


LONG_CODE = "RM-" + "7" * 100_000
# A URL is capped near 64 kB by clients; 60,000 characters is still past SQLite's
# 50,000-byte limit on LIKE patterns.
LONG_QUERY = "RM-" + "7" * 60_000


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("POST", "tickets/create/", "bike_code"),
        ("POST", "bikes/create/", "bike_code"),
        ("GET", "tickets/", "bike_code"),
        ("GET", "bikes/", "q"),
        ("GET", "bikes/suggest/", "q"),
    ],
)
def test_a_hundred_thousand_character_code_is_400_not_503(
    api: Api, crew: Crew, method: str, path: str, field: str
) -> None:
    if method == "POST":
        body = intake_body(LONG_CODE, confirm_create_bike=True, bike_creation_reason="new")
        response = api.post(path, crew.admin, body)
    else:
        response = api.get(path, crew.admin, **{field: LONG_QUERY})
    body = refused(response, 400, field)
    assert body["message"].startswith(f"{field} is ")
    assert "characters long" in body["message"]


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
@pytest.mark.parametrize(
    ("path", "template", "field"),
    [
        ("tickets/create/", b'{"srt_total_minutes": %s}', "srt_total_minutes"),
        ("tickets/create/", b'{"approve_srt": %s}', "approve_srt"),
        ("tickets/create/", b'{"title": %s}', "title"),
        ("bikes/create/", b'{"bike_code": %s}', "bike_code"),
    ],
)
def test_nan_and_infinity_in_any_json_number_are_400(  # in checklists: see test_tickets
    api: Api, crew: Crew, path: str, template: bytes, field: str, number: bytes
) -> None:
    response = raw(api, crew, path, template % number)
    body = refused(response, 400)
    assert field in body.get("fields", {}) or field in body["message"], body


@pytest.mark.parametrize(
    ("path", "field"), [("tickets/", "status"), ("bikes/", "status"), ("xp/ledger/", "entry_type")]
)
def test_long_filter_values_are_400_in_a_short_sentence(
    api: Api, crew: Crew, path: str, field: str
) -> None:
    body = refused(api.get(path, crew.admin, **{field: "x" * 60_000}), 400, field)
    assert len(body["message"]) < 300


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_huge_chunked_login_does_not_grow_the_servers_memory(api: Api, tmp_path: Path) -> None:
    # Its own server process, so its peak memory is this request's alone.
    proc, base = start_server(api.db_url, tmp_path)
    try:
        before = _peak_rss_kb(proc.pid)
        sent, reply = _stream_chunked(base, "auth/login/", b"x" * 65536, 96 * 1024 * 1024)
        grown_mb = (_peak_rss_kb(proc.pid) - before) / 1024
        assert grown_mb < 24, f"peak memory grew by {grown_mb:.0f} MB after {sent} bytes"
        assert b" 413 " in reply.partition(b"\r\n")[0], reply[:300]
    finally:
        stop_server(proc)
