"""A module-wide mark: every test gets a cassette name, but vcrpy writes one only for a test that
made a request."""
import pytest

from standin import get_json

pytestmark = pytest.mark.vcr


def test_requests():
    status, _body = get_json("/users")
    assert status == 200


def test_computes_locally():
    assert sum(range(4)) == 6
