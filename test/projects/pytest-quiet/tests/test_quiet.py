"""A module whose every test is under vcr, few of which make a request: vcrpy writes a cassette
only for those that do."""
import pytest

from standin import get_json

pytestmark = pytest.mark.vcr


def test_lists_items():
    status, body = get_json("/items")
    assert status == 200
    assert [item["name"] for item in body["items"]] == ["alpha", "beta", "gamma"]


def test_pure_arithmetic():
    assert 1 + 1 == 2


class TestOffline:
    def test_parses(self):
        assert int("42") == 42


def test_frames_of_its_own(xai):
    xai(b"\x0a\x04ping", b"\x12\x04pong")


@pytest.mark.vcr
def test_marked_but_cached(xai):
    # Its own mark names a cassette, but what it needs is in the project's own recording.
    xai(b"\x0a\x05cache")
