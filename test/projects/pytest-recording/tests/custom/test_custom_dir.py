import pytest

from standin import fixed_origin, get_json, without_volatile_headers


@pytest.fixture(scope="module")
def vcr_config():
    return {
        "serializer": "json",
        "filter_headers": ["x-api-key", "host", "user-agent"],
        "before_record_request": fixed_origin,
        "before_record_response": without_volatile_headers,
    }


@pytest.mark.vcr
def test_users_as_json():
    status, body = get_json("/users")
    assert status == 200
    assert body["users"][0]["login"] == "ada"


@pytest.mark.vcr
@pytest.mark.parametrize("item_id", [2, 3], ids=["two", "three"])
def test_items_as_json(item_id):
    status, _body = get_json(f"/items/{item_id}")
    assert status == 200
