"""Nested folder: cassettes go to tests/api/cassettes/test_things/."""
import pytest

from standin import get_json

pytestmark = pytest.mark.vcr

PATHS = ["/users", "/status"]


@pytest.mark.parametrize(
    "name, item_id",
    [("alpha", 1), pytest.param("gamma", 3, id="third")],
    ids=["first", None],
)
def test_item_names(name, item_id):
    status, body = get_json(f"/items/{item_id}")
    assert status == 200
    assert body["item"]["name"] == name


# Stacked marks: pytest joins the ids closest-first; "/" is not allowed in a file name, so
# pytest-recording writes "-" instead.
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("twice", [False, True])
def test_pages(path, twice):
    for _ in range(2 if twice else 1):
        status, _body = get_json(path)
        assert status == 200


class TestUsers:
    def test_lists_users(self):
        status, body = get_json("/users")
        assert status == 200
        assert len(body["users"]) == 2

    @pytest.mark.default_cassette("shared_status.yaml")
    def test_status(self):
        status, body = get_json("/status")
        assert status == 200
        assert body["ok"] is True


def _ids():
    return [1, 2]


# Ids only known at run time: planned as unresolved, with file and line.
@pytest.mark.parametrize("item_id", _ids())
def test_dynamic(item_id):
    status, _body = get_json(f"/items/{item_id}")
    assert status == 200
