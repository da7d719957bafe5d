from standin import api_vcr, get_json


def test_lists_items():
    with api_vcr.use_cassette("items.yaml"):
        status, body = get_json("/items")
    assert status == 200
    assert [item["name"] for item in body["items"]] == ["alpha", "beta", "gamma"]


@api_vcr.use_cassette("item_two.yaml")
def test_reads_item_two():
    status, body = get_json("/items/2")
    assert status == 200
    assert body["item"] == {"id": 2, "name": "beta"}
