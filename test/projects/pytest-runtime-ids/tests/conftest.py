import pytest

from standin import fixed_origin, without_volatile_headers


@pytest.fixture(scope="module")
def vcr_config():
    # The key travels in X-Api-Key and must never land in a cassette; Host holds the port.
    return {
        "filter_headers": ["x-api-key", "host", "user-agent"],
        "before_record_request": fixed_origin,
        "before_record_response": without_volatile_headers,
    }
