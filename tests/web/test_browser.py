"""``shopfloor web`` in a real headless Chromium (Debian's /usr/bin/chromium, driven by
playwright): the page loads, a user logs in and passes QC on a ticket, and the wall board
opens with its token, refuses without it, and follows a change pushed by PostgreSQL.

The browser cannot be read like a DOM (the terminal is drawn on a canvas), so the page
keeps what the app sends it (``window.shopfloorOutput``, escapes stripped) and the test
waits for the words a person would wait for. Screenshots are kept under
``test-artifacts/web/`` (git-ignored) and their paths printed.

Without Chromium the tests skip, saying so; CI sets SHOPFLOOR_TEST_REQUIRE_BROWSER=1,
and then they fail instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shopfloor.domain import Shop, assign_ticket, get_ticket
from shopfloor.domain.board import rotate_board_token

from ..conftest import People
from ..tui.workshop import Workshop, build_workshop

pytestmark = pytest.mark.postgres

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE_BROWSER = os.environ.get("SHOPFLOOR_TEST_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
WAIT_MS = 30_000  # reached only when what the test waits for never shows

# Kept before the page's own script runs: everything the app's process sends, as text.
CAPTURE_OUTPUT = r"""
window.shopfloorOutput = "";
(() => {
  const Native = window.WebSocket;
  const decoder = new TextDecoder();
  const escapes = /\x1b\[[0-9;?<>=]*[ -\/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]/g;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (typeof event.data !== "string") {
          window.shopfloorOutput += decoder.decode(event.data).replace(escapes, "");
        }
      });
    }
  };
})();
"""


def browser_missing() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (./dev installs it with the test tools)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = browser_missing()
    if reason is not None:
        if REQUIRE_BROWSER:
            pytest.fail(f"{reason} (SHOPFLOOR_TEST_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shop(pg_shop: Shop) -> Shop:
    return pg_shop


@dataclass(frozen=True)
class WebServer:
    url: str
    process: subprocess.Popen[str]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def web(shop: Shop, tmp_path: Path) -> Iterator[WebServer]:
    """``shopfloor web`` as an operator starts it, on the test's PostgreSQL shop."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPFLOOR_")}
    env["SHOPFLOOR_DATABASE_URL"] = shop.engine.url.render_as_string(hide_password=False)
    env["SHOPFLOOR_DATA_DIR"] = str(tmp_path / "data")
    env["SHOPFLOOR_IDLE_LOCK_SECONDS"] = "0"
    process = subprocess.Popen(
        [sys.executable, "-m", "shopfloor.cli", "web", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # the server says so once it listens
    assert first.startswith("shopfloor web on"), first + process.stdout.read()
    yield WebServer(f"http://127.0.0.1:{port}", process)
    process.terminate()
    process.wait(30)


def page_of(browser: Any, width: int, height: int) -> Any:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.add_init_script(CAPTURE_OUTPUT)
    return page


def wait_for_text(page: Any, text: str) -> None:
    page.wait_for_function(
        "(text) => window.shopfloorOutput.includes(text)", arg=text, timeout=WAIT_MS
    )


def keep_screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


def test_a_browser_session_logs_in_and_passes_qc_on_a_ticket(
    browser: Any, web: WebServer, shop: Shop, people: People
) -> None:
    clock = shop.clock
    workshop: Workshop = build_workshop(shop, clock, people)  # type: ignore[arg-type]
    page = page_of(browser, 1280, 800)
    page.goto(web.url + "/")
    wait_for_text(page, "log in to start")
    page.click("#terminal")
    page.keyboard.type("qc")
    page.keyboard.press("Enter")
    page.keyboard.type("secret-pw")
    page.keyboard.press("Enter")
    wait_for_text(page, "QC queue")
    wait_for_text(page, "RM-1003")  # the oldest ticket waiting for QC, highlighted

    page.keyboard.press("p")
    wait_for_text(page, "Pass QC on RM-1003")
    page.keyboard.press("y")
    wait_for_text(page, "RM-1003 passed QC")
    shot = keep_screenshot(page, "tui-qc-passed.png")

    assert get_ticket(shop, workshop.waiting_qc).status == "done"
    assert shot.stat().st_size > 10_000
    page.close()


def test_the_board_opens_with_its_token_and_follows_a_pushed_change(
    browser: Any, web: WebServer, shop: Shop, people: People
) -> None:
    clock = shop.clock
    workshop: Workshop = build_workshop(shop, clock, people)  # type: ignore[arg-type]
    token = rotate_board_token(shop, None)
    page = page_of(browser, 1920, 1080)

    refused = page.goto(web.url + "/board")
    assert refused is not None
    assert refused.status == 401
    assert "token" in page.inner_text("body")

    page.goto(f"{web.url}/board?token={token}")
    assert page.url == web.url + "/board"  # the token left the address bar ...
    cookie = next(c for c in page.context.cookies() if c["name"] == "shopfloor_board")
    assert cookie["httpOnly"]  # ... for a cookie the page's scripts cannot read
    wait_for_text(page, "LEADERBOARD")
    wait_for_text(page, "DONE TODAY")
    keep_screenshot(page, "board-leaderboard-1920x1080.png")

    page.click("#terminal")
    page.keyboard.press("Space")
    wait_for_text(page, "WAITING FOR A TECHNICIAN (2)")
    assign_ticket(shop, people.manager, workshop.new[0], people.tech2)
    wait_for_text(page, "WAITING FOR A TECHNICIAN (1)")  # pushed: nobody pressed a key
    keep_screenshot(page, "board-now-1920x1080.png")
    page.close()
