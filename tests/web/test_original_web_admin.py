"""The original system's own React web admin (erkinov-wtf/rmbot ``frontend/`` at 96dff3a),
built unmodified, runs a workshop's day against ``shopfloor serve`` in headless Chromium
(issue 22), on a shop with ``review_required`` and ``start_opens_timer`` on: the master
adds a model, a part and a bike from its Inventory pages (which list the fleet), deletes
the two again (PATCH and DELETE, preflighted cross-origin), and takes
a bike in by parts from its intake page; the manager overrides flag and XP and approves
and assigns from its Review page; the technician stops the timer and moves the ticket to
QC from its technician page; the inspector fails it, the technician works it again, the
inspector passes it from its QC page; the ticket is done, the bike ready, the XP paid,
and the master reads the ticket's history page.

It is served both ways a workshop would: same-origin (its files and ``/api/`` from one
address, through a small static+proxy server here) and cross-origin (its files from
another port, shopfloor with ``SHOPFLOOR_CORS_ORIGINS`` naming that origin). Every
request the pages send is recorded; none may answer 4xx/5xx or fail (a refused CORS
preflight fails the request), and no page may crash (an uncaught error, an error on the
console, or React's "Failed To Render").

The web admin is not part of this project: build it (docs/api.md, "Using the original
web admin") and name the builds with ``SHOPFLOOR_TEST_WEB_ADMIN_DIR`` (built with
``VITE_API_BASE_URL=/api/v1``) and ``SHOPFLOOR_TEST_WEB_ADMIN_CROSS_DIR`` (built with
``VITE_API_BASE_URL=http://127.0.0.1:PORT/api/v1``; the test serves the API on that
port). Without them the test skips, saying so.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from shopfloor.domain import ManualClock, Shop, create_user, get_ticket, list_tickets
from shopfloor.domain.bikes import create_bike, get_bike
from shopfloor.domain.database import create_db_engine
from shopfloor.domain.parts import add_bike_model, add_part, set_bike_model
from shopfloor.domain.review import set_rule
from shopfloor.domain.xp import xp_total

from ..api.conftest import start_server
from ..conftest import T0, fast_hasher
from .test_browser import CHROMIUM, CHROMIUM_FLAGS, browser_missing, free_port

SAME_ORIGIN_DIR = os.environ.get("SHOPFLOOR_TEST_WEB_ADMIN_DIR")
CROSS_ORIGIN_DIR = os.environ.get("SHOPFLOOR_TEST_WEB_ADMIN_CROSS_DIR")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web-admin"
WAIT_MS = 30_000  # reached only when what the test waits for never shows
PASSWORD = "secret-pw"
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-encoding", "host"}


def built_app(directory: str | None, variable: str) -> Path:
    """The built web admin named by ``variable``, or a skip saying what is missing."""
    if not directory:
        pytest.skip(
            f"{variable} is not set: no built copy of the original web admin "
            "(docs/api.md, 'Using the original web admin', says how to build one)"
        )
    root = Path(directory)
    if not (root / "index.html").is_file():
        pytest.skip(f"{variable}={directory} holds no index.html (not a vite build)")
    reason = browser_missing()
    if reason is not None:
        pytest.skip(reason)
    return root


def baked_api_base(root: Path) -> str:
    """The API base a cross-origin build was made with (vite writes it into the bundle)."""
    for script in (root / "assets").glob("*.js"):
        found = re.search(r"https?://127\.0\.0\.1:\d+/api/v1", script.read_text())
        if found:
            return found.group(0)
    pytest.skip(f"{root} was not built with VITE_API_BASE_URL=http://127.0.0.1:PORT/api/v1")


class StaticAndProxy(BaseHTTPRequestHandler):
    """The built files, any other path answered with index.html (the app routes itself),
    and with ``api`` set, ``/api/...`` passed on to shopfloor: same-origin serving."""

    root: Path
    api: str | None

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the test keeps its own request log, from the browser

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    def do_PATCH(self) -> None:
        self.answer()

    def do_PUT(self) -> None:
        self.answer()

    def do_DELETE(self) -> None:
        self.answer()

    def do_OPTIONS(self) -> None:
        self.answer()

    def answer(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the browser left
            self.answer_or_fail()

    def answer_or_fail(self) -> None:
        if self.api is not None and self.path.startswith("/api/"):
            self.pass_on(self.api)
            return
        path = (self.root / self.path.split("?", 1)[0].lstrip("/")).resolve()
        if not path.is_file() or self.root.resolve() not in path.parents:
            path = self.root / "index.html"
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(path.name)[0] or "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def pass_on(self, api: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        headers.pop("Content-Length", None)
        reply = httpx.request(
            self.command,
            api + self.path,
            headers=headers,
            content=self.rfile.read(length) if length else None,
        )
        self.send_response(reply.status_code)
        for key, value in reply.headers.items():
            if key.lower() not in HOP_HEADERS | {"content-length"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.content)))
        self.end_headers()
        self.wfile.write(reply.content)


def start_static(root: Path, api: str | None) -> tuple[ThreadingHTTPServer, str]:
    handler = type("Handler", (StaticAndProxy,), {"root": root, "api": api})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def start_shopfloor(
    db_url: str, data_dir: Path, port: int, cors: str | None
) -> subprocess.Popen[bytes]:
    """``shopfloor serve`` on ``port`` (CORS for ``cors``), once its health probe answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = {"SHOPFLOOR_CORS_ORIGINS": cors} if cors else None
    process, _base = start_server(db_url, data_dir, settings=settings, port=port)
    return process


@dataclass(frozen=True)
class Workshop:
    shop: Shop
    master: int
    manager: int
    tech: int
    qc: int
    bike: str
    parts: tuple[int, ...]


def seed(db_url: str) -> Workshop:
    """A shop with the two rules the web admin needs, its staff, a bike model with parts
    and three bikes of it."""
    shop = Shop(create_db_engine(db_url), clock=ManualClock(T0), hasher=fast_hasher())

    def add(name: str, role: str) -> int:
        return create_user(shop, None, name, PASSWORD, roles=(role,), first_name=name.title()).id

    set_rule(shop, None, "review_required", True)
    set_rule(shop, None, "start_opens_timer", True)
    model = add_bike_model(shop, None, "City 26")
    parts = tuple(add_part(shop, None, model.id, name).id for name in ("Brakes", "Chain", "Tyres"))
    for code in ("RM-0101", "RM-0102", "RM-0103"):
        create_bike(shop, None, code)
        set_bike_model(shop, None, code, model.id)
    return Workshop(
        shop,
        master=add("master", "master"),
        manager=add("manager", "ops_manager"),
        tech=add("tech", "technician"),
        qc=add("inspector", "qc_inspector"),
        bike="RM-0101",
        parts=parts,
    )


@dataclass
class Served:
    """The web admin's address, the API's, the shop behind it, and what the browser saw."""

    app: str
    api: str  # where shopfloor listens
    base: str  # the API base the web admin calls (through the proxy when same-origin)
    workshop: Workshop
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)


@pytest.fixture(params=["same-origin", "cross-origin"])
def served(request: pytest.FixtureRequest, sqlite_url: str, tmp_path: Path) -> Iterator[Served]:
    """The web admin and shopfloor, served as ``request.param`` says."""
    if request.param == "same-origin":
        root = built_app(SAME_ORIGIN_DIR, "SHOPFLOOR_TEST_WEB_ADMIN_DIR")
        port = free_port()
        api = f"http://127.0.0.1:{port}"
        static, app = start_static(root, api)
        base = app + "/api/v1"
        process = start_shopfloor(sqlite_url, tmp_path / "data", port, None)
    else:
        root = built_app(CROSS_ORIGIN_DIR, "SHOPFLOOR_TEST_WEB_ADMIN_CROSS_DIR")
        base = baked_api_base(root)
        api = base.removesuffix("/api/v1")
        static, app = start_static(root, None)
        process = start_shopfloor(sqlite_url, tmp_path / "data", int(api.rsplit(":", 1)[1]), app)
    workshop = seed(sqlite_url)
    try:
        yield Served(app=app, api=api, base=base, workshop=workshop)
    finally:
        workshop.shop.dispose()
        process.terminate()
        process.wait(30)
        static.shutdown()


def watch(page: Any, served: Served) -> None:
    """Record every API request's answer, failed requests, and signs of a crash."""

    def answered(response: Any) -> None:
        if "/api/" in response.url:
            path = response.url.split("/api/v1/", 1)[-1]
            served.requests.append((response.request.method, path, response.status))

    page.on("response", answered)
    page.on("requestfailed", lambda r: failed(r, served))
    page.on("pageerror", lambda error: served.crashes.append(f"uncaught: {error}"))
    page.on(
        "console",
        lambda message: (
            served.crashes.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )


def failed(request: Any, served: Served) -> None:
    """A request with no answer: refused by CORS (net::ERR_FAILED), the server gone, ...;
    not one the page itself cancelled by leaving (net::ERR_ABORTED)."""
    if request.failure != "net::ERR_ABORTED":
        served.failures.append(f"{request.method} {request.url}: {request.failure}")


def logged_in(browser: Any, served: Served, username: str, path: str) -> Any:
    """A fresh browser profile (its own stored session) logged in as ``username`` at ``path``."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    context.set_default_timeout(WAIT_MS)
    # It loads its fonts from Google; this machine may be offline, and a font is not the API.
    context.route(re.compile(r"^https://fonts\.(googleapis|gstatic)\.com/"), FONT_STUB)
    context.add_init_script(COUNT_FETCHES)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # its "Delete this ...?" confirms
    watch(page, served)
    page.goto(served.app + path)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("button", name="Logout").wait_for()
    return page


def FONT_STUB(route: Any) -> None:  # noqa: N802
    route.fulfill(status=200, content_type="text/css", body="")


def keep_screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


# Kept before the app's own scripts run: how many of its requests are still out, and when
# that last changed, so the test acts only once the page has settled (its effects reload
# lists, and a reload resets a picked technician).
COUNT_FETCHES = """
window.pendingFetches = 0;
window.fetchesChangedAt = performance.now();
const nativeFetch = window.fetch.bind(window);
window.fetch = async (...args) => {
  window.pendingFetches += 1;
  window.fetchesChangedAt = performance.now();
  try {
    return await nativeFetch(...args);
  } finally {
    window.pendingFetches -= 1;
    window.fetchesChangedAt = performance.now();
  }
};
"""


def settled(page: Any) -> None:
    """Wait until none of the page's requests has been out for the last 300 ms."""
    page.wait_for_function(
        "() => window.pendingFetches === 0 && performance.now() - window.fetchesChangedAt > 300",
        polling=50,
        timeout=WAIT_MS,
    )


def saw(page: Any, text: str) -> None:
    page.get_by_text(text).locator("visible=true").first.wait_for()


def walk(browser: Any, served: Served) -> None:
    """A workshop's ticket loop through the web admin's pages, one person each."""
    workshop = served.workshop

    # The master lands on the Inventory page, which lists the fleet ...
    master = logged_in(browser, served, "master", "/")
    for code in ("RM-0101", "RM-0102", "RM-0103"):
        saw(master, code)
    keep_screenshot(master, "inventory.png")
    manage_inventory(master, served)

    # ... and takes RM-0101 in by two of its model's parts from the intake page.
    master.goto(served.app + "/tickets/create")
    master.get_by_role("row", name=re.compile(workshop.bike)).get_by_role(
        "button", name="Select"
    ).click()
    for part, color, minutes in (("Brakes", "red", "45"), ("Chain", "yellow", "20")):
        master.get_by_label(part).check()
        card = master.locator("div.rounded-md", has=master.get_by_label(part))
        card.locator("select").select_option(color)
        card.locator("input[type=number]").fill(minutes)
    master.locator("form").get_by_role("button", name="Create Ticket").click()
    saw(master, "Ticket created and sent to UNDER_REVIEW.")
    keep_screenshot(master, "intake.png")
    (ticket,) = list_tickets(workshop.shop, bike_code=workshop.bike).items
    ticket_id = ticket.id
    assert get_ticket(workshop.shop, ticket_id).status == "under_review"

    # The manager approves it and assigns the technician from the Review page.
    manager = logged_in(browser, served, "manager", "/tickets/review")
    manager.get_by_role("button", name=re.compile(f"Ticket #{ticket_id}")).click()
    settled(manager)
    saw(manager, "Brakes")  # its part specs, as the master took them in
    # ... overriding the flag and XP the minutes gave (65 minutes: 4 XP) ...
    manager.locator("select", has=manager.get_by_role("option", name="Green")).select_option(
        "yellow"
    )
    manager.locator("input[type=number]").fill("7")
    manager.get_by_role("button", name="Save Manual Metrics").click()
    saw(manager, "Ticket review updated by admin.")
    settled(manager)
    manager.locator("select", has=manager.get_by_text("Select technician")).select_option(
        str(workshop.tech)
    )
    manager.get_by_role("button", name="Approve & Assign").click()
    saw(manager, "Ticket approved and assigned.")
    keep_screenshot(manager, "review.png")

    tech = logged_in(browser, served, "tech", "/")
    qc = logged_in(browser, served, "inspector", "/")
    work_on(tech, served, ticket_id)
    bike_shows(master, served, "In Service")  # started and not through QC: the v1 rule
    # The inspector fails it from the QC page (rework), the technician works on it again,
    # and the inspector passes it.
    decide_qc(qc, served, ticket_id, "QC Fail", "QC failed. Sent to rework.")
    assert get_ticket(workshop.shop, ticket_id).status == "rework"
    work_on(tech, served, ticket_id)
    decide_qc(qc, served, ticket_id, "QC Pass", "QC passed.")
    keep_screenshot(qc, "qc.png")

    done = get_ticket(workshop.shop, ticket_id)
    assert done.status == "done"
    assert get_bike(workshop.shop, done.bike).status == "ready"
    assert (done.flag_color, done.xp_amount, done.is_manual) == ("yellow", 7, True)
    assert xp_total(workshop.shop, workshop.tech) == 7  # no first-pass bonus after a fail

    bike_shows(master, served, "Ready")
    # The master reads the whole story of the bike's ticket from its history page.
    master.goto(f"{served.app}/tickets/history/{ticket_id}")
    saw(master, "Full Activity Timeline")
    saw(master, "Chain")
    settled(master)
    keep_screenshot(master, "history.png")
    print(f"ticket {ticket_id}: {done.status}, XP paid {xp_total(workshop.shop, workshop.tech)}")
    print_log(served)
    bad = [r for r in served.requests if r[2] >= 400]
    assert not bad, bad
    assert not served.failures, served.failures
    assert not served.crashes, served.crashes
    for page in (master, manager, tech, qc):
        assert page.get_by_text("Failed To Render").count() == 0


def bike_shows(master: Any, served: Served, status: str) -> None:
    """The Inventory page's row of the walk's bike shows ``status``."""
    master.goto(served.app + "/inventory/items")
    row = master.get_by_role("row", name=re.compile(served.workshop.bike))
    row.get_by_text(status, exact=True).wait_for()


def work_on(tech: Any, served: Served, ticket_id: int) -> None:
    """The technician starts (the web admin at 96dff3a has no Start button: the Telegram
    mini-app had one; here its request, sent from the technician's signed-in page), then
    stops the timer and moves the ticket to QC from the technician page."""
    tech.goto(served.app + "/")
    saw(tech, served.workshop.bike)  # the landing page (Inventory) has loaded
    settled(tech)
    started = tech.evaluate(START_FROM_PAGE, f"{served.base}/tickets/{ticket_id}/start/")
    assert started == 200
    tech.goto(served.app + "/tickets/work")
    tech.get_by_role("button", name=re.compile(f"Ticket #{ticket_id}")).click()
    settled(tech)
    saw(tech, "Session status: running")
    tech.get_by_role("button", name="Stop", exact=True).click()
    saw(tech, "Work session stopped.")
    tech.get_by_role("button", name="Move To QC").click()
    saw(tech, "Ticket moved to waiting QC.")
    keep_screenshot(tech, "work.png")


def decide_qc(qc: Any, served: Served, ticket_id: int, button: str, said: str) -> None:
    """The inspector picks the ticket on the QC page and presses ``button``."""
    qc.goto(served.app + "/tickets/qc")
    qc.get_by_role("button", name=re.compile(f"Ticket #{ticket_id}")).click()
    settled(qc)
    qc.get_by_role("button", name=button).click()
    saw(qc, said)
    settled(qc)


def manage_inventory(master: Any, served: Served) -> None:
    """The master adds a bike model (a category) with a part, and a bike of it (an item),
    from the Inventory pages, then saves the bike's details unchanged."""
    master.goto(served.app + "/inventory/categories")
    master.get_by_placeholder("Enter category name").fill("Cargo 28")
    master.get_by_role("button", name="Create", exact=True).click()
    saw(master, "Category created.")
    master.locator("select", has=master.get_by_text("Select category")).select_option(
        label="Cargo 28"
    )
    master.get_by_placeholder("Part name").fill("Rack")
    master.get_by_role("button", name="Add", exact=True).click()
    saw(master, "Part created.")

    master.goto(served.app + "/inventory/items")
    master.get_by_role("button", name="Create Item").click()
    form = master.locator("form", has=master.get_by_placeholder("Enter serial number"))
    form.get_by_placeholder("Enter serial number").fill("RM-0201")
    form.locator("select", has=master.get_by_text("Select category")).select_option(
        label="Cargo 28"
    )
    form.get_by_role("button", name="Create Item").click()
    saw(master, "Inventory item created.")
    saw(master, "Rack")  # the item's page lists its model's parts
    master.get_by_role("button", name="Save Changes").click()
    saw(master, "Inventory item updated.")
    keep_screenshot(master, "inventory-item.png")

    # ... and takes both back: the bike (archived) and the part.
    master.get_by_role("button", name="Delete Item").click()
    saw(master, "Inventory item deleted.")
    master.goto(served.app + "/inventory/categories")
    master.locator("select", has=master.get_by_text("Select category")).select_option(
        label="Cargo 28"
    )
    master.locator("div.rounded-md", has=master.get_by_text("Rack", exact=True)).get_by_role(
        "button", name="Delete"
    ).click()
    saw(master, "Part deleted.")


# What the web admin's own request helper does: the stored token, a POST, the status.
START_FROM_PAGE = """async (url) => {
  const session = JSON.parse(localStorage.getItem("rent_market_auth_session_v1"));
  const response = await fetch(url, {
    method: "POST",
    headers: {Accept: "application/json", Authorization: `Bearer ${session.accessToken}`},
  });
  await response.json();
  return response.status;
}"""


def print_log(served: Served) -> None:
    """The request log, summarised: each distinct request with its answers' statuses."""
    seen: dict[tuple[str, str], list[int]] = {}
    for method, path, status in served.requests:
        key = (method, re.sub(r"\d+", "{id}", path.split("?", 1)[0]))
        seen.setdefault(key, []).append(status)
    print(f"{len(served.requests)} API requests ({served.app} -> {served.api}):")
    for (method, path), statuses in sorted(seen.items(), key=lambda kv: kv[0][1]):
        print(f"  {method:7} {path:48} {sorted(set(statuses))} x{len(statuses)}")


def test_the_original_web_admin_runs_intake_review_work_and_qc(served: Served) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            walk(browser, served)
        finally:
            browser.close()
