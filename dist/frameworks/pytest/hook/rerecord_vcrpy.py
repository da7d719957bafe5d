"""rerecord's record hook for pytest + vcrpy, as a pytest plugin.

rerecord runs each test file as `python3 -m pytest ... /abs/tests/test_x.py` (or the user's own
`command`) with this folder appended to PYTHONPATH and PYTEST_PLUGINS=rerecord_vcrpy, so pytest
loads the plugin without a `-p` flag: a custom command (tox aside, which filters the environment)
keeps the hook as long as it ends up running pytest. An extra `-p rerecord_vcrpy` is harmless.

Environment: RERECORD_JOURNAL (JSON-lines file to append to), RERECORD_BACKUP_DIR (existing dir).
Without both the plugin does nothing: it never deletes a cassette it cannot journal.
RERECORD_MODE=replay instead pins every cassette (and pytest-recording's `--record-mode`) to
"none": a request the cassette does not hold is an error; nothing is journaled, backed up or deleted.

Why it patches vcr.cassette.Cassette.load:
- vcrpy reads no environment variable, and the record mode comes from a VCR(...) instance, a
  use_cassette(record_mode=...) argument or a pytest-vcr / pytest-recording option. Every one of
  those ends in Cassette.load(path=..., record_mode=..., ...) with the final file path (the
  cassette_library_dir and path_transformer already applied), so that is the one place to pin
  the mode and to see the real file.
- Mode "all" still loads the old file and appends to it, so the first open of each cassette in
  the process backs it up, journals it and deletes it, then records everything in mode "all".
- Later opens (another test of the same file) get "new_episodes": they replay what this process
  just recorded and record whatever is new. "all" would append a duplicate of every request per
  test that replay never reaches (a fresh Cassette plays the first match); "once", vcrpy's default,
  would refuse requests the first test did not make.
- The patch is on the class and Cassette.load is looked up at call time, so it holds for every
  VCR instance and subclass, whoever imported vcr first.

pytest-recording (`@pytest.mark.vcr`, `--record-mode`) also ends in Cassette.load with the file it
names (`<vcr_cassette_dir>/<default_cassette_name>.<serializer>`), so the journal holds that exact
path. Two of its own behaviours need pinning too, in pytest_configure:
- `--record-mode` (default "none") decides whether `--block-network` lets requests out: we set it
  to "all", so a recording test is never cut off from the API it records.
- its "rewrite" mode (from the command line, `vcr_config` or a mark) deletes the cassette itself,
  before Cassette.load, where no backup is taken: we turn every merged record_mode into "all".

A warm worker (rerecord_worker.py, WORKERS.md) imports this module once, without any RERECORD_*
setting, and forks a child per test file: the child calls configure_from_environment() with its own
environment before pytest runs, so everything below reads the settings when it is called, never
what they were at import. The worker imports this module before pytest marks it for assertion
rewriting, hence PYTEST_DONT_REWRITE (it holds no assert), so pytest does not warn that it was
already imported.
"""
import json
import os
import sys

_JOURNAL = None
_BACKUP_DIR = None
_ROOT = None
_REPLAY = False
_ACTIVE = False

_seen = set()  # absolute cassette paths already prepared in this process
_patched = False  # Cassette.load replaced (once per process: the patch reads the settings per call)


def configure_from_environment():
    """(Re)reads RERECORD_JOURNAL, RERECORD_BACKUP_DIR, RERECORD_MODE and RERECORD_ROOT from
    os.environ and forgets the cassettes seen so far; patches vcrpy once the settings ask for it.
    Runs at import (a fresh process) and in each child a warm worker forks (its new environment)."""
    global _JOURNAL, _BACKUP_DIR, _ROOT, _REPLAY, _ACTIVE
    _JOURNAL = os.environ.get("RERECORD_JOURNAL")
    _BACKUP_DIR = os.environ.get("RERECORD_BACKUP_DIR")
    _ROOT = os.environ.get("RERECORD_ROOT")
    _REPLAY = os.environ.get("RERECORD_MODE") == "replay"
    _ACTIVE = _REPLAY or bool(_JOURNAL and _BACKUP_DIR)
    _seen.clear()
    if _ACTIVE:
        _patch_vcrpy()


def _copy_to_backup_dir(cassette):
    # Several test processes share one backup dir: mode "x" (O_EXCL) makes `<n>-<basename>` race-free.
    n = 1
    while True:
        target = os.path.join(_BACKUP_DIR, "%d-%s" % (n, os.path.basename(cassette)))
        try:
            with open(cassette, "rb") as source, open(target, "xb") as copy:
                copy.write(source.read())
            return target
        except FileExistsError:
            n += 1


def _refuse_outside_root(cassette):
    # Only a cassette inside the project rerecord runs in (outside .git/ and .rerecord/, and not the
    # config file .rerecord.yml) is backed up and deleted; symlinked folders are followed, as vcrpy's own write would.
    root = _ROOT
    if not root:
        return
    absolute = os.path.abspath(cassette)
    resolved = os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute))
    relative = os.path.relpath(resolved, os.path.realpath(root))
    first = relative.split(os.sep)[0]
    if relative in (".", ".rerecord.yml") or first == ".." or os.path.isabs(relative) or first in (".git", ".rerecord"):
        raise RuntimeError(
            "rerecord: refusing cassette %s: it lies outside the project %s (or inside .git/ or .rerecord/, or is .rerecord.yml); nothing was touched"
            % (cassette, root)
        )


def _start_fresh(cassette):
    _refuse_outside_root(cassette)
    # Order matters: a SIGKILL at any point leaves either the untouched cassette or a journal
    # line whose backup is complete. An error here (disk full...) fails the test: nothing deleted.
    existed = os.path.isfile(cassette)
    backup = _copy_to_backup_dir(cassette) if existed else None
    line = json.dumps({"cassette": cassette, "existed": existed, "backup": backup})
    with open(_JOURNAL, "a", encoding="utf-8") as journal:
        journal.write(line + "\n")
    if existed:
        os.remove(cassette)


def _patch_vcrpy():
    global _patched
    if _patched:
        return
    try:
        from vcr.cassette import Cassette
    except ImportError:
        sys.stderr.write("rerecord: vcrpy is not importable from %s; nothing is re-recorded\n" % sys.executable)
        return
    try:
        from vcr.record_mode import RecordMode  # vcrpy >= 4; a str enum, so the strings also work
        record_all, record_new, record_none = RecordMode.ALL, RecordMode.NEW_EPISODES, RecordMode.NONE
    except ImportError:
        record_all, record_new, record_none = "all", "new_episodes", "none"
    original_load = Cassette.load.__func__

    def load(cls, **kwargs):
        if not _ACTIVE:
            return original_load(cls, **kwargs)
        if _REPLAY:
            kwargs["record_mode"] = record_none
            return original_load(cls, **kwargs)
        path = kwargs.get("path")
        mode = record_all
        if isinstance(path, (str, os.PathLike)):
            # vcrpy opens the path as given, i.e. relative to the working directory.
            cassette = os.path.abspath(os.fspath(path))
            if cassette in _seen:
                mode = record_new
            else:
                _start_fresh(cassette)
                _seen.add(cassette)
        kwargs["record_mode"] = mode
        return original_load(cls, **kwargs)

    Cassette.load = classmethod(load)
    _patched = True


def _pinned_recording_mode():
    return "none" if _REPLAY else "all"


def _pin_pytest_recording(config):
    # Registered, not merely imported: a warm worker imports pytest-recording for every child.
    plugin = sys.modules.get("pytest_recording.plugin")
    if plugin is None or not config.pluginmanager.is_registered(plugin) or not hasattr(config.option, "record_mode"):
        return
    config.option.record_mode = _pinned_recording_mode()
    import pytest_recording._vcr as recording_vcr

    original_merge = recording_vcr.merge_kwargs
    if getattr(original_merge, "_rerecord_pinned", False):
        return

    def merge_kwargs(*args, **kwargs):
        merged = original_merge(*args, **kwargs)
        if _ACTIVE and "record_mode" in merged:
            merged = dict(merged, record_mode=_pinned_recording_mode())
        return merged

    merge_kwargs._rerecord_pinned = True
    recording_vcr.merge_kwargs = merge_kwargs


configure_from_environment()


def pytest_configure(config):
    if _ACTIVE:
        _pin_pytest_recording(config)


def pytest_terminal_summary(terminalreporter, exitstatus):
    # Exit code 5 (nothing collected: a wrong path, a syntax-free file with no tests, a -k that
    # matches nothing) is non-zero already, so rerecord counts the file as failed; say why.
    if _ACTIVE and int(exitstatus) == 5:
        terminalreporter.write_line("rerecord: no tests collected, so nothing was re-recorded (pytest exit code 5)")
