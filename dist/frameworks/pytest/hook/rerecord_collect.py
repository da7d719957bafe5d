"""rerecord's collection plugin for pytest-recording: asks pytest itself which tests each file holds
(their real parametrize ids included), without running one, and where pytest-recording would
write each `vcr`-marked test's cassette.

    PYTHONPATH=<hook dir> python -m pytest -p rerecord_collect --collect-only -q <files>

Environment: RERECORD_COLLECT_OUTPUT, the file to write: JSON lines, one per marked test,
{"file": "/abs/tests/test_a.py", "cassette": "/abs/.../test_x[a-1].yaml", "spread": true}, or
{"file": ..., "error": "..."} when a file could not be collected or a cassette not named (that
file is then mapped from its source). `spread`: the vcr mark came from the module's `pytestmark`
or a class, not the test itself: the cassette is written only if the test makes a request.

Why it looks like this:
- Collection imports the test modules and conftests and expands parametrize (ids from objects,
  lambdas and tuples alike) but runs no test body and no fixture.
- The name is pytest-recording's own (`default_cassette` mark, else class and test name with the
  characters a file name cannot hold replaced, shortened with an md5 past the file-name limit).
- The folder and the serializer come from the `vcr_cassette_dir` and `vcr_config` fixtures.
  Fixtures are not set up during collection, so the active definition of each is called here with
  a stand-in `request` (node, module, cls, path, config) and, for a `vcr_config` that extends the
  one it overrides (`{**vcr_config, ...}`), that one's value. A fixture asking for anything else
  cannot be called safely: its test is reported as an error, and its file is mapped from source.
"""
import hashlib
import json
import os

MAX_FILENAME_LEN = 255
FORBIDDEN = r"<>?%*:|\"'/\\"


class _Unresolvable(Exception):
    pass


def _default_name(item):
    marker = item.get_closest_marker("default_cassette")
    if marker is not None and marker.args:
        return marker.args[0]
    name = "{}.{}".format(item.cls.__name__, item.name) if getattr(item, "cls", None) else item.name
    for char in FORBIDDEN:
        name = name.replace(char, "-")
    return name


class _Request:
    """What a cassette-folder or config fixture may read of `request` before any test is set up."""

    def __init__(self, item, scope):
        self._item = item
        self.node = {"function": item, "class": item.parent}.get(scope, _module_node(item))
        self.config = item.config
        self.module = item.module
        self.cls = getattr(item, "cls", None)
        self.function = getattr(item, "function", None)
        self.fspath = item.fspath
        self.path = getattr(item, "path", None)
        self.scope = scope

    def getfixturevalue(self, name):
        raise _Unresolvable("fixture {} asks for fixture {}".format(self._item.nodeid, name))


def _module_node(item):
    node = item
    while node is not None and type(node).__name__ != "Module":
        node = node.parent
    return node or item


def _fixture_value(item, name, depth=None):
    """The value of fixture `name` for `item`: its active definition (or, at `depth`, the one it overrides)."""
    definitions = _definitions(item, name)
    if not definitions:
        return None
    index = len(definitions) - 1 if depth is None else depth
    if index < 0:
        return None
    definition = definitions[index]
    arguments = {}
    for argument in definition.argnames:
        if argument == "request":
            arguments[argument] = _Request(item, definition.scope)
        elif argument == name:
            arguments[argument] = _fixture_value(item, name, index - 1)
        else:
            raise _Unresolvable("fixture {} needs fixture {}".format(name, argument))
    function = definition.func
    value = function(**arguments)
    if hasattr(value, "__next__"):
        value = next(value)
    return value


def _definitions(item, name):
    """Every definition of fixture `name` visible from `item`, most general first. The vcr fixture asks
    for `vcr_config` at run time, so it is not in the item's own closure: the fixture manager knows."""
    known = item._fixtureinfo.name2fixturedefs.get(name)
    if known:
        return list(known)
    manager = item.session._fixturemanager
    try:
        found = manager.getfixturedefs(name, item)  # pytest 8 and later: the node
    except (TypeError, AttributeError):
        found = manager.getfixturedefs(name, item.nodeid)  # pytest 7: its node id
    return list(found or [])


def _from_pytest_recording(name, markers, config):
    """pytest-recording's merge of the config and the marks' keyword arguments, when it is importable."""
    try:
        from pytest_recording.utils import merge_kwargs
    except ImportError:
        merged = dict(config or {})
        for marker in markers:
            merged.update(marker.kwargs)
        return merged
    return merge_kwargs(config or {}, markers)


def _cassettes(item, markers):
    folder = _fixture_value(item, "vcr_cassette_dir")
    if folder is None:
        folder = os.path.join(os.path.dirname(str(item.fspath)), "cassettes", item.fspath.purebasename)
    config = _fixture_value(item, "vcr_config") or {}
    merged = _from_pytest_recording("vcr", markers, config)
    suffix = ".{}".format(merged["serializer"]) if "serializer" in merged else ".yaml"
    name = _default_name(item)
    if len(name) + len(suffix) > MAX_FILENAME_LEN:
        digest = hashlib.md5(name.encode()).hexdigest()
        name = "{}...{}".format(name[: MAX_FILENAME_LEN - len(suffix) - len(digest) - 3], digest)
    base = os.path.join(os.path.abspath(str(folder)), name)
    found = [base if base.endswith(suffix) else base + suffix]
    for marker in markers:
        for extra in marker.args:
            found.append(extra if os.path.isabs(extra) else os.path.join(os.path.abspath(str(folder)), extra))
    return found


class _Collector:
    def __init__(self):
        self.lines = []

    def pytest_collectreport(self, report):
        if report.failed:
            said = [line for line in str(report.longrepr).strip().splitlines() if line.strip()]
            self.lines.append({"file": os.path.abspath(str(report.fspath)), "error": said[-1] if said else "could not be collected"})

    def pytest_collection_finish(self, session):
        for item in session.items:
            markers = list(item.iter_markers(name="vcr"))
            if not markers:
                continue
            file = os.path.abspath(str(item.fspath))
            spread = not any(marker.name == "vcr" for marker in item.own_markers)
            try:
                for cassette in _cassettes(item, markers):
                    self.lines.append({"file": file, "cassette": cassette, "spread": spread})
            except Exception as error:  # a fixture that cannot run here: that file is mapped from source
                self.lines.append({"file": file, "error": "{}: {}".format(type(error).__name__, error)})

    def pytest_unconfigure(self, config):
        output = os.environ.get("RERECORD_COLLECT_OUTPUT")
        if not output:
            return
        with open(output, "w", encoding="utf-8") as handle:
            for line in self.lines:
                handle.write(json.dumps(line) + "\n")


def pytest_configure(config):
    config.pluginmanager.register(_Collector(), "rerecord-collector")
