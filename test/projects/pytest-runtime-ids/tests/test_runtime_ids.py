"""Cassette names pytest-recording derives from ids that only run time knows."""
import os

import pytest

from cases import CASES, NotFound, ServerError
from standin import get_json


@pytest.fixture(scope="module")
def vcr_config(vcr_config):
    # Extends the conftest's settings, as suites do: JSON cassettes for this module only.
    return {**vcr_config, "serializer": "json"}


@pytest.fixture(scope="module")
def vcr_cassette_dir(request):
    return os.path.join(os.path.dirname(__file__), "recorded", request.module.__name__)


@pytest.mark.vcr
@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_case(case):
    status, _body = get_json(case.path)
    assert status == 200


@pytest.mark.vcr
@pytest.mark.parametrize("item", [{"id": "first", "n": 1}, {"id": "second", "n": 2}], ids=lambda item: item["id"])
def test_lambda_ids(item):
    status, _body = get_json(f"/items/{item['n']}")
    assert status == 200


@pytest.mark.vcr
@pytest.mark.parametrize("error,payload,status", [(ServerError, {"kind": "server"}, 503), (NotFound, {"kind": "missing"}, 404)])
def test_derived_ids(error, payload, status):
    # pytest names these cases ServerError-payload0-503 and NotFound-payload1-404.
    got, _body = get_json("/users")
    assert got == 200 and issubclass(error, Exception) and payload and status
