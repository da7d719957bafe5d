"""Shared by the tests (a copy of test/projects/pytest-recording's) (not a test file itself): a tiny client for the API and the vcrpy settings.

vcrpy keeps host and port in recorded URIs and matches on them: `fixed_origin` rewrites the origin
of STANDIN_API_URL to CASSETTE_ORIGIN on recorded and looked-up requests alike, so replay matches
wherever the API runs (or with none at all).
"""
import json
import os
import urllib.error
import urllib.request

CASSETTE_ORIGIN = "http://api.test"
BASE_URL = (os.environ.get("STANDIN_API_URL") or CASSETTE_ORIGIN).rstrip("/")
VOLATILE_HEADERS = {"date", "x-request-id", "connection", "keep-alive"}


def fixed_origin(request):
    if request.uri.startswith(BASE_URL + "/"):
        request.uri = CASSETTE_ORIGIN + request.uri[len(BASE_URL):]
    return request


def without_volatile_headers(response):
    response["headers"] = {k: v for k, v in response["headers"].items() if k.lower() not in VOLATILE_HEADERS}
    return response


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
