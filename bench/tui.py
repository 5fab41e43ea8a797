"""The TUI's start against a Textual hello world, each a fresh interpreter, in alternating rounds.

The shopfloor child starts as ``shopfloor`` does (``shopfloor.cli``'s imports and
settings, the app opening the shop in its worker behind the login screen) on a SQLite
shop with one technician, and reports:

- painted: the login screen is mounted;
- ready: a typed login could be checked: the shop is open and every worker the start
  began has finished (the shop, the users check, the screens a login leads to);
- signed in: the technician's login was typed, checked and their home screen shows:
  the memory row is the resident memory then (the shop open, the ORM loaded, the home
  screen shown); the peak so far, which holds the password check's argon2 buffer,
  is in its note.

The hello world reports its first paint. Each child prints one line per moment with
its peak and current RSS (``VmHWM``, ``VmRSS``: its own, not this runner's); the parent
times the lines from spawning the interpreter, so Python's own start-up counts on both
sides.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Callable

from bench.measure import Context, Result, alternate, median, ratio_row
from bench.servers import ROOT

USERNAME, PASSWORD = "benchtui", "benchpassword"  # letters only: typed key by key
PEAK_RSS = textwrap.dedent(
    """
    def report(moment):
        status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
        print(moment, int(status["VmHWM"].split()[0]), int(status["VmRSS"].split()[0]), flush=True)
    """
)
SHOPFLOOR = textwrap.dedent(
    f"""
    import asyncio

    from shopfloor import cli  # the console script's module: its imports count
    from shopfloor.app import ShopfloorApp
    from shopfloor.screens.login_screen import LoginScreen


    def open_shop():  # as cli.cmd_tui does: in the app's worker
        from shopfloor.bootstrap import open_shop

        return open_shop(settings.database_url)


    settings = cli.load_settings()
    app = ShopfloorApp(None, settings, open_shop=open_shop)

    async def run(pilot):
        while not isinstance(app.screen, LoginScreen) or not app.screen.is_mounted:
            await pilot.pause()
        report("painted")
        await asyncio.to_thread(lambda: app.shop)
        await app.workers.wait_for_complete()
        await pilot.pause()
        report("ready")
        await pilot.press(*{USERNAME!r}, "enter", *{PASSWORD!r}, "enter")
        while isinstance(app.screen, LoginScreen):
            await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        report("signed-in")
        app.exit()

    app.run(headless=True, auto_pilot=run)
    """
)
HELLO = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Static

    class Hello(App[None]):
        def compose(self):
            yield Static("Hello, world")

    app = Hello()

    async def run(pilot):
        await pilot.pause()
        report("painted")
        app.exit()

    app.run(headless=True, auto_pilot=run)
    """
)
# moment -> (seconds since spawn, peak RSS MiB so far, RSS MiB then)
Moments = dict[str, tuple[float, float, float]]


def run_child(script: str, env: dict[str, str]) -> Moments:
    """Spawn a fresh interpreter on ``script``; when each moment it reports arrived."""
    began = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", PEAK_RSS + script], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None
    moments: Moments = {}
    for line in proc.stdout:
        moment, peak, resident = line.split()
        moments[moment] = (time.perf_counter() - began, int(peak) / 1024, int(resident) / 1024)
    proc.wait(timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"the TUI child exited with {proc.returncode}: {moments}")
    return moments


def add_technician(env: dict[str, str]) -> None:
    """The shop the TUI opens (its data directory's SQLite file), with one technician
    whose password is hashed as shopfloor hashes it (argon2's default parameters), so
    the login costs what a real one costs."""
    from shopfloor.bootstrap import open_shop
    from shopfloor.config import load_settings
    from shopfloor.domain import create_user

    shop = open_shop(load_settings(env).database_url)
    try:
        create_user(shop, None, USERNAME, PASSWORD, roles=["technician"])
    finally:
        shop.dispose()


def measure(ctx: Context) -> list[Result]:
    # The TUI starts as installed: its data directory's own SQLite file, no URL set.
    env = {k: v for k, v in ctx.env.items() if k != "SHOPFLOOR_DATABASE_URL"}
    env["SHOPFLOOR_DATA_DIR"] = str(ctx.directory("tui"))
    add_technician(env)
    children: dict[str, Callable[[], Moments]] = {
        "shopfloor": lambda: run_child(SHOPFLOOR, env),
        "hello": lambda: run_child(HELLO, env),
    }
    runs = alternate(ctx.plan.tui_rounds, children)

    def at(name: str, moment: str, i: int) -> float:
        return median([m[moment][i] for m in runs[name]])

    hello_s = at("hello", "painted", 0)
    hello_peak, hello_rss = at("hello", "painted", 1), at("hello", "painted", 2)
    peak = at("shopfloor", "signed-in", 1)
    return [
        ratio_row("TUI cold start to the login screen painted vs a Textual hello world's "
                  "first paint", at("shopfloor", "painted", 0), "s", hello_s, 1.5),
        ratio_row("TUI cold start to ready to check a login vs hello world's first paint",
                  at("shopfloor", "ready", 0), "s", hello_s, 2.0,
                  note="ready: the shop open behind the login screen and every start-up "
                       "worker finished"),
        ratio_row("TUI memory once the shop is open (resident after a login) vs hello world's "
                  "at its first paint", at("shopfloor", "signed-in", 2), "MiB", hello_rss, 2.0,
                  note=f"peak (VmHWM) after the login {peak:.3g} MiB ({peak / hello_peak:.2g} "
                       f"times hello world's {hello_peak:.3g}): the password check's argon2 "
                       "buffer (64 MiB at the default parameters) is freed after it; at the "
                       f"login screen {at('shopfloor', 'painted', 2):.3g} MiB resident"),
    ]  # fmt: skip
