import pytest

from standin import api_vcr, get_json


# Cassette names are only known at run time: dyn-1.yaml, dyn-3.yaml.
@pytest.mark.parametrize("item_id", [1, 3])
def test_reads_item(item_id):
    with api_vcr.use_cassette(f"dyn-{item_id}.yaml"):
        status, body = get_json(f"/items/{item_id}")
    assert status == 200
    assert body["item"]["id"] == item_id
