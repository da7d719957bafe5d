import pytest

from standin import get_json


@pytest.mark.vcr
def test_status_deep():
    status, body = get_json("/status")
    assert status == 200
