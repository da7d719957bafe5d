from standin import api_vcr, get_json


# The live API never answers this one: rerecord's timeout has to kill the process.
def test_hang_endpoint_answers():
    with api_vcr.use_cassette("hang.yaml"):
        status, body = get_json("/hang")
    assert status == 200
    assert body["ok"] is True
