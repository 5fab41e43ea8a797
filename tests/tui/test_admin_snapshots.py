"""The admin screens at 80x24 (People, Fleet, Parts, Rules with a version history, the add form),
from data built through the services. Update with ``--snapshot-update``, and look."""

from __future__ import annotations

import pytest

from shopfloor.app import ShopfloorApp
from shopfloor.domain import set_timer_rules
from shopfloor.domain.parts import add_bike_model, add_part, remove_part

from ..conftest import People
from .test_snapshots import Compare, script
from .workshop import Workshop


@pytest.mark.parametrize(
    ("keys", "name"),
    [(["p"], "people"), (["f"], "fleet"), (["p", "a"], "add-person")],
)
def test_admin_screen(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop, keys: list[str], name: str
) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=script("admin", keys))


def test_rules_screen_with_its_history(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop, people: People
) -> None:
    set_timer_rules(app.shop, people.admin, pause_budget_minutes=45, shift_end="18:00")
    set_timer_rules(app.shop, people.manager, time_zone="Europe/Prague")
    assert snap_compare(app, terminal_size=(80, 24), run_before=script("admin", ["r", "h"]))


@pytest.mark.parametrize(
    ("username", "keys", "name"),
    [
        ("master", ["f6", "s", "t", "down", "enter"], "tickets-of-a-technician"),
        ("master", ["f6", "s", "h"], "bike-history"),
        ("manager", ["w"], "downtime"),
        ("manager", ["x"], "export-kind"),
    ],
)
def test_find_and_export_screen(
    snap_compare: Compare,
    app: ShopfloorApp,
    workshop: Workshop,
    username: str,
    keys: list[str],
    name: str,
) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=script(username, keys))


def test_parts_catalogue_screen(
    snap_compare: Compare, app: ShopfloorApp, workshop: Workshop, people: People
) -> None:
    add_bike_model(app.shop, people.admin, "City e-bike")
    add_bike_model(app.shop, people.admin, "Cargo")
    for model, name in [("City e-bike", "Rear brake pads"), ("City e-bike", "Chain"),
                        ("Cargo", "Front hub motor")]:  # fmt: skip
        add_part(app.shop, people.admin, model, name)
    remove_part(app.shop, people.admin, add_part(app.shop, people.admin, "Cargo", "Kickstand").id)
    assert snap_compare(app, terminal_size=(80, 24), run_before=script("admin", ["f", "m", "v"]))
