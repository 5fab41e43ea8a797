"""The login screen paints before SQLAlchemy and the models are imported (issue 13).

The subprocess goes the ``shopfloor`` command's way: the CLI module and its parser, then
the app, with the shop opened in the app's worker (as ``cli.cmd_tui`` does).

The check runs in a fresh interpreter: in the test process SQLAlchemy is long imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from shopfloor.domain import Shop

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys, threading
    from pathlib import Path

    from shopfloor import cli  # the console script's start-up path, parser included
    from shopfloor.app import ShopfloorApp
    from shopfloor.config import Settings

    cli.build_parser()
    from shopfloor.screens.login_screen import LoginScreen

    url, data_dir = sys.argv[1], Path(sys.argv[2])
    gate = threading.Event()  # the shop opens only once the login screen was looked at


    def open_shop():
        gate.wait()
        from shopfloor.bootstrap import open_shop as really_open

        return really_open(url)


    def loaded():
        return {
            "sqlalchemy": any(m.split(".")[0] == "sqlalchemy" for m in sys.modules),
            "models": "shopfloor.domain.models" in sys.modules,
        }


    async def main():
        seen = {}
        settings = Settings(data_dir=data_dir, database_url=url)
        app = ShopfloorApp(None, settings, open_shop=open_shop)
        async with app.run_test() as pilot:
            await pilot.pause()
            seen["login_shown"] = isinstance(app.screen, LoginScreen)
            seen["username_box"] = len(app.screen.query("#username")) == 1
            seen["before"] = loaded()
            gate.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            seen["after"] = loaded()
            seen["screen_after_open"] = type(app.screen).__name__
        shop = app.opened_shop
        if shop is not None:
            shop.dispose()
        print(json.dumps(seen))


    asyncio.run(main())
    """
)


def test_login_screen_is_composed_before_sqlalchemy_and_the_models_are_imported(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, url, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["login_shown"]
    assert seen["username_box"]
    assert seen["before"] == {"sqlalchemy": False, "models": False}
    # Then the shop opens behind the login screen, and a shop with nobody in it still
    # offers to create the first administrator.
    assert seen["after"] == {"sqlalchemy": True, "models": True}
    assert seen["screen_after_open"] == "FirstRunScreen"


class Unreachable(Exception):
    """What opening a shop may raise (the CLI prints it as one line)."""


async def test_a_shop_that_cannot_open_closes_the_tui_and_hands_the_error_back(
    tmp_path: Path,
) -> None:
    from shopfloor import cli  # the console script's start-up path, parser included
    from shopfloor.app import ShopfloorApp
    from shopfloor.config import Settings

    cli.build_parser()

    def open_shop() -> Shop:
        raise Unreachable("The database at db.example is not answering.")

    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 's.db'}")
    app = ShopfloorApp(None, settings, open_shop=open_shop)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert isinstance(app.startup_error, Unreachable)
    assert app.return_code == 1
