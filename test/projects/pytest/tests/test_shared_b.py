from standin import api_vcr, get_json


# status.yaml is shared with test_shared_a.py.
def test_status_is_ok_b():
    with api_vcr.use_cassette("status.yaml"):
        status, body = get_json("/status")
    assert status == 200
    assert body["ok"] is True
