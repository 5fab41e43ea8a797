"""Over real HTTP: every route that acts for a token goes through the domain's one check
(``shop.admit``) exactly once, and refuses in its order: 401, then 403, then 404.

The routes come from the OpenAPI document (those that ask for a bearer token), so a
route added later without a line here fails the test.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from shopfloor.api import create_app
from shopfloor.config import Settings
from shopfloor.domain import Shop, create_bike, set_active

from ..conftest import People
from .conftest import SECRET, bearer, intake_body, serve_in_thread

MISSING = 999_999

# Each route acting for a caller: its body, and what a caller without any role meets
# when the ids in the path name nothing (a permission is refused before the 404).
ROUTES: dict[str, tuple[Any, int]] = {
    "GET tickets/": (None, 200),
    "POST tickets/create/": (intake_body("RM-0001"), 403),
    "GET tickets/{ticket_id}/": (None, 404),
    "POST tickets/{ticket_id}/assign/": ({"technician_id": 1}, 403),
    "POST tickets/{ticket_id}/start/": (None, 403),
    "POST tickets/{ticket_id}/to-waiting-qc/": (None, 403),
    "POST tickets/{ticket_id}/park/": (None, 403),
    "POST tickets/{ticket_id}/qc-pass/": (None, 403),
    "POST tickets/{ticket_id}/qc-fail/": (None, 403),
    "GET tickets/{ticket_id}/transitions/": (None, 404),
    "POST tickets/{ticket_id}/work-session/start/": (None, 403),
    "POST tickets/{ticket_id}/work-session/pause/": (None, 403),
    "POST tickets/{ticket_id}/work-session/resume/": (None, 403),
    "POST tickets/{ticket_id}/work-session/stop/": (None, 403),
    "GET tickets/{ticket_id}/work-session/history/": (None, 404),
    "GET bikes/": (None, 200),
    "POST bikes/create/": ({"bike_code": "RM-0002"}, 403),
    "GET bikes/suggest/?q=RM": (None, 200),
    "GET bikes/{bike_id}/": (None, 404),
    "POST bikes/{bike_id}/archive/": (None, 403),
    "POST bikes/{bike_id}/restore/": (None, 403),
    "GET xp/ledger/": (None, 200),
    "GET analytics/fleet/": (None, 403),
    "GET analytics/team/": (None, 403),
    "GET analytics/downtime/": (None, 403),
    "GET analytics/public/leaderboard/": (None, 200),
    "GET bikes/{bike_id}/history/": (None, 404),
    "GET exports/{kind}/?from=2026-11-02&to=2026-11-08": (None, 403),
    "GET users/me/": (None, 200),
    "POST tickets/{ticket_id}/review-approve/": (None, 403),
    "POST tickets/{ticket_id}/manual-metrics/": ({"xp_amount": 3}, 403),
    "POST tickets/{ticket_id}/checklist/{task}/tick/": (None, 403),
    "POST tickets/{ticket_id}/checklist/{task}/untick/": (None, 403),
    "GET parts-waiting/": (None, 200),
    "GET analytics/failed-tasks/": (None, 403),
    "POST parts-waiting/{waiting_id}/arrived/": (None, 403),
    "GET inventory/": (None, 200),
    "GET inventory/categories/": (None, 200),
    "GET inventory/categories/all/": (None, 200),
    "POST inventory/categories/": ({"name": "City"}, 403),
    "PATCH inventory/categories/{category_id}/": ({"name": "Town"}, 403),
    "DELETE inventory/categories/{category_id}/": (None, 403),
    "GET inventory/items/": (None, 200),
    "GET inventory/items/{item_id}/": (None, 404),
    "POST inventory/items/": ({"serial_number": "RM-0003"}, 403),
    "PATCH inventory/items/{item_id}/": ({"status": "blocked"}, 403),
    "DELETE inventory/items/{item_id}/": (None, 403),
    "GET inventory/parts/": (None, 200),
    "POST inventory/parts/": ({"category": 1, "name": "Bell"}, 403),
    "PATCH inventory/parts/{part_id}/": ({"name": "Horn"}, 403),
    "DELETE inventory/parts/{part_id}/": (None, 403),
}
PREFIX = "/api/v1/"


@pytest.fixture
def live(shop: Shop, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """The server in this process, and its operations that ask for a bearer token."""
    app = create_app(
        shop, Settings(data_dir=tmp_path, database_url="unused", secret_key_value=SECRET)
    )
    operations = [
        f"{method.upper()} {path.removeprefix(PREFIX)}"
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if operation.get("security")
    ]
    with serve_in_thread(app) as base:
        yield base, operations


def _send(
    client: httpx.Client, route: str, who: dict[str, str], admitted: Counter[str]
) -> tuple[str, int]:
    """``<status> <error code>`` of the route with every id missing, and how many checks ran."""
    method, template = route.split(" ", 1)
    path = re.sub(r"\{\w+\}", str(MISSING), template)
    body, _ = ROUTES[route]
    before = admitted["checks"]
    response = client.request(method, path, json=body, headers=who)
    code = "" if response.is_success else response.json().get("error", "")
    return f"{response.status_code} {code}".strip(), admitted["checks"] - before


def test_every_route_that_acts_for_a_caller_is_in_the_table(live: tuple[str, list[str]]) -> None:
    _, operations = live
    assert sorted(re.sub(r"\?.*", "", r) for r in ROUTES) == sorted(operations)


def _sent(
    live: tuple[str, list[str]],
    username: str,
    routes: list[str],
    admitted: Counter[str],
    then: Callable[[], object] = lambda: None,
) -> dict[str, tuple[str, int]]:
    """Each route sent by ``username`` (logged in, then ``then()``): outcome and checks."""
    base, _ = live
    with httpx.Client(base_url=base) as client:
        who = bearer(client, username)
        then()
        return {route: _send(client, route, who, admitted) for route in routes}


def test_every_route_refuses_a_deactivated_caller_401_through_the_one_check(
    shop: Shop, people: People, live: tuple[str, list[str]], admitted: Counter[str]
) -> None:
    deactivate = partial(set_active, shop, None, people.admin, False)
    sent = _sent(live, "admin", list(ROUTES), admitted, then=deactivate)
    assert sent == dict.fromkeys(ROUTES, ("401 user_inactive", 1))


def test_every_route_refuses_a_caller_without_the_role_403_before_a_missing_id_404(
    shop: Shop, people: People, live: tuple[str, list[str]], admitted: Counter[str]
) -> None:
    create_bike(shop, people.master, "RM-0001")
    refusal = {200: "200", 403: "403 permission_denied", 404: "404 not_found"}
    expected = {route: (refusal[status], 1) for route, (_, status) in ROUTES.items()}
    assert _sent(live, "nobody", list(ROUTES), admitted) == expected


@pytest.mark.usefixtures("people")
def test_every_route_with_an_id_answers_404_to_a_caller_who_may_act(
    live: tuple[str, list[str]], admitted: Counter[str]
) -> None:
    with_ids = [route for route in ROUTES if "{" in route]
    sent = _sent(live, "admin", with_ids, admitted)
    assert sent == dict.fromkeys(with_ids, ("404 not_found", 1))
