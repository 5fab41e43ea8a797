"""Over real HTTP: the later web admin's inventory (issue 22) over shopfloor's own fleet,
in the shapes it reads, and tickets taken in through it."""

from __future__ import annotations

from .conftest import Api, Crew, refused

ITEM_FIELDS = {
    "id", "name", "serial_number", "inventory", "category", "parts", "status", "is_active",
    "created_at", "updated_at",
}  # fmt: skip


def test_the_web_admins_intake_page_reads_items_categories_and_parts(api: Api, crew: Crew) -> None:
    category = api.ok(
        api.post("inventory/categories/", crew.master, {"name": f"Model {Api.bike_code()}"}), 201
    )
    assert set(category) == {"id", "name", "created_at", "updated_at"}
    listed = api.ok(api.get("inventory/categories/all/", crew.master))
    assert category in listed
    assert (
        category
        in api.ok_page(api.get("inventory/categories/", crew.master, per_page=200))["results"]
    )
    part = api.ok(
        api.post("inventory/parts/", crew.master, {"category": category["id"], "name": "Brakes"}),
        201,
    )
    assert (part["category"], part["inventory_item"], part["name"]) == (
        category["id"],
        None,
        "Brakes",
    )
    code = Api.bike_code()
    body = {"serial_number": code, "category": category["id"], "status": "ready", "is_active": True}
    item = api.ok(api.post("inventory/items/", crew.master, body), 201)
    assert set(item) >= ITEM_FIELDS
    assert (item["name"], item["serial_number"], item["inventory"]) == (code, code, 1)
    assert (item["category"], item["parts"], item["status"]) == (
        category["id"],
        [part["id"]],
        "ready",
    )
    assert api.ok(api.get(f"inventory/items/{item['id']}/", crew.master)) == item

    found = api.ok_page(
        api.get("inventory/items/", crew.master, per_page=200, q=code[3:], is_active="true")
    )
    assert [i["id"] for i in found["results"]] == [item["id"]]
    by_category = api.ok_page(api.get("inventory/items/", crew.master, category=category["id"]))
    assert [i["id"] for i in by_category["results"]] == [item["id"]]
    fleet = api.ok_page(api.get("inventory/", crew.master, per_page=200))["results"]
    assert [(i["id"], i["name"]) for i in fleet] == [(1, "Fleet")]
    assert any(
        p["id"] == part["id"]
        for p in api.ok_page(api.get("inventory/parts/", crew.master, per_page=300))["results"]
    )

    ticket = api.ok(
        api.post(
            "tickets/create/",
            crew.master,
            {
                "serial_number": code,
                "title": "Brakes",
                "part_specs": [{"part_id": part["id"], "color": "green", "minutes": 20}],
            },
        ),
        201,
    )
    assert (ticket["inventory_item"], ticket["status"], ticket["xp_amount"]) == (
        item["id"],
        "new",
        1,
    )
    busy = api.ok_page(
        api.get("inventory/items/", crew.master, has_active_ticket="true", q=code[3:])
    )
    assert [i["id"] for i in busy["results"]] == [item["id"]]
    refused(
        api.request(
            "PATCH", f"inventory/items/{item['id']}/", crew.master, json={"status": "blocked"}
        ),
        400,
        "status",
    )


def test_the_inventory_is_edited_by_the_roles_that_may(api: Api, crew: Crew) -> None:
    refused(api.post("inventory/categories/", crew.tech1, {"name": "Nope"}), 403)
    category = api.ok(
        api.post("inventory/categories/", crew.manager, {"name": f"Model {Api.bike_code()}"}), 201
    )
    renamed = api.ok(
        api.request(
            "PATCH",
            f"inventory/categories/{category['id']}/",
            crew.manager,
            json={"name": f"Renamed {category['name']}"},
        )
    )
    assert renamed["name"].startswith("Renamed ")
    item = api.ok(
        api.post(
            "inventory/items/",
            crew.manager,
            {
                "serial_number": Api.bike_code(),
                "category": category["id"],
                "status": "ready",
                "is_active": True,
            },
        ),
        201,
    )
    in_use = refused(
        api.request("DELETE", f"inventory/categories/{category['id']}/", crew.manager), 400
    )
    assert "still has 1 bike(s)" in in_use["message"]
    gone = api.request("DELETE", f"inventory/items/{item['id']}/", crew.manager)
    assert gone.status_code == 204
    assert api.ok(api.get(f"inventory/items/{item['id']}/", crew.manager))["is_active"] is False
    refused(
        api.post("inventory/items/", crew.manager, {"serial_number": "not a code"}),
        400,
        "bike_code",
    )


def test_intake_by_serial_number_refuses_an_unknown_or_archived_bike_as_v1_does(
    api: Api, crew: Crew
) -> None:
    category = api.ok(
        api.post("inventory/categories/", crew.master, {"name": f"Model {Api.bike_code()}"}), 201
    )
    part = api.ok(
        api.post("inventory/parts/", crew.master, {"category": category["id"], "name": "Bell"}),
        201,
    )
    specs = [{"part_id": part["id"], "color": "green", "minutes": 10}]
    unknown = {"serial_number": Api.bike_code(), "part_specs": specs}
    body = refused(api.post("tickets/create/", crew.master, unknown), 400, "bike_code")
    assert "is not in the fleet" in body["message"]
    code = api.add_bike(crew.master)["bike_code"]
    [item] = api.ok_page(api.get("inventory/items/", crew.master, serial_number=code))["results"]
    archived = api.request("DELETE", f"inventory/items/{item['id']}/", crew.master)
    assert archived.status_code == 204
    body = refused(
        api.post("tickets/create/", crew.master, {"serial_number": code, "part_specs": specs}),
        400,
        "bike_code",
    )
    assert "is archived; restore it first" in body["message"]


def test_an_items_is_active_is_a_boolean_and_its_inventory_a_number(api: Api, crew: Crew) -> None:
    item = api.ok(
        api.post("inventory/items/", crew.manager, {"serial_number": Api.bike_code()}), 201
    )
    for body, field in (({"is_active": 0}, "is_active"), ({"is_active": "false"}, "is_active"),
                        ({"inventory": False}, "inventory")):  # fmt: skip
        response = api.request("PATCH", f"inventory/items/{item['id']}/", crew.manager, json=body)
        refused(response, 400, field)
    assert api.ok(api.get(f"inventory/items/{item['id']}/", crew.manager))["is_active"] is True
