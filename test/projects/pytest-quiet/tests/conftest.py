import base64
import os

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


@pytest.fixture
def xai(request):
    """The project's own recorder (protobuf frames in YAML), beside vcrpy's cassettes: writes
    `<module cassette folder>/<test>.xai.yaml` once, like a recorder in "once" mode."""
    folder = os.path.join(os.path.dirname(request.fspath), "cassettes", request.module.__name__)
    target = os.path.join(folder, f"{request.node.name}.xai.yaml")

    def record(*frames):
        if os.path.exists(target):
            return
        os.makedirs(folder, exist_ok=True)
        with open(target, "w") as out:
            out.write("xai_format: 2\nframes:\n")
            for frame in frames:
                out.write(f"- !!binary {base64.b64encode(frame).decode()}\n")

    return record
