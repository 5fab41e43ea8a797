"""The private attributes of Textual, FastAPI, gunicorn and uvicorn that shopfloor relies
on are still there, as what the code takes them for.

textual and fastapi (with starlette and pydantic) are pinned to tested minor versions in
pyproject.toml, and everything else in requirements.lock; an upgrade that moves one of
these makes its test fail naming the attribute and the place that reads it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
import uvicorn
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from textual.app import App, ComposeResult
from textual.widgets import Static

from shopfloor.api import create_app
from shopfloor.config import Settings


def _is_int(value: Any) -> bool:
    return isinstance(value, int)


class _Tiny(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("hello", id="hello")


# (what reads it, the attribute, what the code needs of its value)
TEXTUAL: list[tuple[str, str, Callable[[Any], bool]]] = [
    ("shopfloor/app.py _settled()", "_message_queue", lambda v: _is_int(v.qsize())),
    ("shopfloor/app.py _settled()", "_next_callbacks", lambda v: isinstance(v, list)),
    ("shopfloor/screens/base.py", "_closing", lambda v: isinstance(v, bool)),
]


async def test_the_textual_internals_the_app_reads_are_still_there() -> None:
    app = _Tiny()
    async with app.run_test() as pilot:
        await pilot.pause()
        widget = app.query_one("#hello")
        for pump in (app, app.screen, widget):
            for reader, name, usable in TEXTUAL:
                assert hasattr(pump, name), (
                    f"Textual's {type(pump).__name__}.{name} is gone ({reader} reads it)"
                )
                assert usable(getattr(pump, name)), (
                    f"Textual's {type(pump).__name__}.{name} changed ({reader} reads it)"
                )
        assert isinstance(app._exit, bool), "Textual's App._exit changed (shopfloor/app.py)"


def test_the_fastapi_internals_the_caller_check_reads_are_still_there(tmp_path: Any) -> None:
    """api/deps.py walks each route's dependencies to tell the routes that act for a
    caller (``APIRoute.dependant``, ``Dependant.dependencies`` and ``.call``)."""
    settings = Settings(data_dir=tmp_path, database_url="unused", secret_key_value="k" * 64)
    app = create_app(None, settings)  # the routes only: no request is made
    routes = [r for r in app.routes if isinstance(r, APIRoute)]
    assert routes, "no APIRoute in the app: fastapi.routing.APIRoute moved"
    for route in routes:
        dependant = getattr(route, "dependant", None)
        assert isinstance(dependant, Dependant), f"APIRoute.dependant changed ({route.path})"
        for needed in dependant.dependencies:
            assert isinstance(needed, Dependant), "Dependant.dependencies changed (api/deps.py)"
            assert hasattr(needed, "call"), "Dependant.call is gone (api/deps.py)"


@pytest.mark.parametrize(
    ("owner", "name"),
    [
        (Arbiter, "handle_hup"),  # api/server.py: SIGHUP stops instead of reloading
        (Arbiter, "handle_term"),
        (Arbiter, "handle_int"),
        (BaseApplication, "load_config"),  # api/server.py: gunicorn driven from code
        (BaseApplication, "load"),
        (uvicorn.Server, "handle_exit"),  # api/server.py: SIGHUP stops uvicorn too
    ],
)
def test_the_server_hooks_shopfloor_overrides_or_calls_still_exist(owner: type, name: str) -> None:
    assert callable(getattr(owner, name, None)), f"{owner.__module__}.{owner.__name__}.{name} moved"


def test_uvicorn_still_says_whether_it_started() -> None:
    """api/server.py reads ``Server.started`` to tell a port it could not listen on."""
    server = uvicorn.Server(uvicorn.Config(app=lambda *_: None))
    assert server.started is False, "uvicorn.Server.started changed (api/server.py)"
    assert "started" in inspect.getsource(uvicorn.Server.startup)
