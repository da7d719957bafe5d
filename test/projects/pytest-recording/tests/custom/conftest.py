import os

import pytest


@pytest.fixture(scope="module")
def vcr_cassette_dir(request):
    # One folder per module under tests/custom/recorded, named like the module.
    return os.path.join(os.path.dirname(__file__), "recorded", request.module.__name__)
