"""Adding bikes in a batch: all of them, or none, naming the code that failed and why."""

from __future__ import annotations

import pytest

from shopfloor.domain import Shop, ValidationFailed, create_bike, create_bikes, list_bikes

from ..conftest import People


def codes(shop: Shop) -> list[str]:
    return [b.bike_code for b in list_bikes(shop, per_page=100).items]


def test_a_batch_adds_every_code_in_one_go(shop: Shop, people: People) -> None:
    added = create_bikes(shop, people.master, ["rm-0001", "RM-0002", " RM-0003 "])
    assert [b.bike_code for b in added] == ["RM-0001", "RM-0002", "RM-0003"]
    assert codes(shop) == ["RM-0001", "RM-0002", "RM-0003"]


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        (["RM-0001", "rm-0001"], "Bike RM-0001 is listed twice. No bike was added."),
        (["RM-0001", "RM-0009"], "Bike RM-0009 already exists. No bike was added."),
        (["RM-0001", "XX-1"], "Bike code 'XX-1' is not valid"),
    ],
)
def test_a_batch_with_one_bad_code_adds_nothing_and_names_it(
    shop: Shop, people: People, batch: list[str], message: str
) -> None:
    create_bike(shop, people.master, "RM-0009")
    with pytest.raises(ValidationFailed) as refused:
        create_bikes(shop, people.master, batch)
    assert message in refused.value.message
    assert refused.value.field == "bike_code"
    assert codes(shop) == ["RM-0009"]
