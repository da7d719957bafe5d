"""Shared by the tests (not a test file itself): the vcrpy setup and a tiny client for the API.

Ports: the API under recording listens on 127.0.0.1:<random port>, and vcrpy keeps host and port
in every recorded URI and matches on them by default. So `_fixed_origin` rewrites the origin of
STANDIN_API_URL to CASSETTE_ORIGIN. vcrpy runs before_record_request both on requests it records
and on requests it looks up in a cassette, so replay matches whatever STANDIN_API_URL is (or none:
requests then go to CASSETTE_ORIGIN, which only vcrpy answers) and cassettes stay byte-stable.
"""
import json
import os
import urllib.error
import urllib.request

import vcr

CASSETTE_ORIGIN = "http://api.test"
BASE_URL = (os.environ.get("STANDIN_API_URL") or CASSETTE_ORIGIN).rstrip("/")

# Response headers that change on every call and would only make cassette diffs noisy.
VOLATILE_HEADERS = {"date", "x-request-id", "connection", "keep-alive"}


def _fixed_origin(request):
    if request.uri.startswith(BASE_URL + "/"):
        request.uri = CASSETTE_ORIGIN + request.uri[len(BASE_URL):]
    return request


def _without_volatile_headers(response):
    response["headers"] = {k: v for k, v in response["headers"].items() if k.lower() not in VOLATILE_HEADERS}
    return response


api_vcr = vcr.VCR(
    cassette_library_dir=os.path.join(os.path.dirname(__file__), "vcr_cassettes"),
    # The key is sent in X-Api-Key: it must never land in a cassette. Host holds the port.
    filter_headers=["x-api-key", "host", "user-agent"],
    before_record_request=_fixed_origin,
    before_record_response=_without_volatile_headers,
)


def get_json(path):
    """GET a path of the API; returns (status, parsed body)."""
    request = urllib.request.Request(
        BASE_URL + path,
        headers={"X-Api-Key": os.environ.get("STANDIN_API_KEY", ""), "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
