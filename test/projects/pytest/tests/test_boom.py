from standin import api_vcr, get_json


# The recorded cassette is healthy; the live API now answers 500, so re-recording this file fails.
def test_boom_endpoint_answers():
    with api_vcr.use_cassette("boom.yaml"):
        status, body = get_json("/boom")
    assert status == 200
    assert body["ok"] is True
