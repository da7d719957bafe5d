import pytest

from standin import get_json


@pytest.mark.vcr
def test_lists_items():
    status, body = get_json("/items")
    assert status == 200
    assert [item["name"] for item in body["items"]] == ["alpha", "beta", "gamma"]


@pytest.mark.vcr
@pytest.mark.parametrize("item_id", [1, 2])
def test_reads_item(item_id):
    status, body = get_json(f"/items/{item_id}")
    assert status == 200
    assert body["item"]["id"] == item_id


def test_without_network():
    assert 1 + 1 == 2
