"""rerecord's warm worker for pytest + vcrpy (src/frameworks/WORKERS.md). PYTEST_DONT_REWRITE

Run as `python3 /abs/hook/rerecord_worker.py` in the project root, with this folder on PYTHONPATH
and PYTEST_PLUGINS=rerecord_vcrpy (the record hook's own launch environment), requests on stdin
and fd 3 open for the worker's messages.

Loading, once: pytest (and what pytest.main imports lazily), vcrpy and the stubs it imports when a
cassette opens, pytest-recording's modules if importable, the record hook, and the project's setup:
the import statements of every conftest.py under the root. Only the import statements are run, each
on its own in a throwaway namespace, never the conftest itself: its body (fixtures, a
`settings.configure()`, a monkeypatch, a thread it starts) runs in the child only, exactly once, as
in a fresh process; pytest imports the conftest itself in the child. Not loaded, because pytest
rewrites their asserts when it imports them: test files, the modules of pytest11 entry-point
plugins, names a conftest lists in `pytest_plugins` or passes to `pytest.register_assert_rewrite`;
nor a module name that two folders of the project define (`tests/a/helpers.py`, `tests/b/helpers.py`):
which one a test file gets depends on the folder pytest puts first on sys.path for it.
An import that fails here is said on stderr and left to the child, which reports it in pytest's
own words. What these imports read from the environment they read from the worker's, which is why
rerecord gives the worker the test processes' environment. A thread still running after loading
makes the worker `unavailable` (a forked child would hold a stopped copy of it).

Per request: fork; the child calls setsid, takes /dev/null for stdin, closes fd 3, moves to the
request's cwd, replaces its environment, lets the hook re-read its settings, and runs
`pytest.console_main()` with sys.argv as `python -m pytest ARGS FILE` would have it; then it waits
for its non-daemon threads and runs the exit handlers it registered itself (not the worker's), as
an interpreter does at exit, flushes and `os._exit`s with pytest's status.
"""
import json
import os
import sys

_MESSAGES_FD = 3


def _send(message):
    data = (json.dumps(message) + "\n").encode("utf-8")
    while data:
        data = data[os.write(_MESSAGES_FD, data):]


def _write_fully(fd, data):
    while data:
        data = data[os.write(fd, data):]


def _note(text):
    sys.stderr.write("rerecord warm worker: %s\n" % text)
    sys.stderr.flush()


def _version(distribution, module=None):
    try:
        from importlib.metadata import version

        return version(distribution)
    except Exception:
        return getattr(module, "__version__", None)


def _describe(error):
    message = str(error).strip().splitlines()
    return "%s: %s" % (type(error).__name__, message[0]) if message else type(error).__name__


class _Unavailable(Exception):
    pass


class _Loader:
    """Imports everything once, watching for threads the imports leave running."""

    def __init__(self):
        import threading

        self.threading = threading
        self.loaded = []
        self.thread_origin = None  # what was being imported when a second thread first ran

    def _watch(self, what):
        if self.thread_origin is None and self.threading.active_count() > 1:
            self.thread_origin = what

    def required(self, module, what):
        import importlib

        try:
            imported = importlib.import_module(module)
        except BaseException as error:  # SystemExit too: a worker that cannot load says why
            if isinstance(error, KeyboardInterrupt):
                raise
            raise _Unavailable("%s is not importable by %s: %s" % (what, sys.executable, _describe(error)))
        self._watch("importing %s" % module)
        return imported

    def optional(self, module):
        import importlib

        try:
            imported = importlib.import_module(module)
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            imported = None
        self._watch("importing %s" % module)
        return imported


def _rewritten_plugin_modules():
    """The names pytest marks for assertion rewriting in every distribution with a pytest11 entry
    point (its `_mark_plugins_for_rewrite`): imported here, they would lose their rewritten asserts."""
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return set()
    try:
        from importlib import metadata
        from _pytest.config import _iter_rewritable_modules

        files = (
            str(file)
            for dist in metadata.distributions()
            if any(ep.group == "pytest11" for ep in dist.entry_points)
            for file in dist.files or []
        )
        return set(_iter_rewritable_modules(files))
    except Exception:
        return set()


_SKIPPED_DIRS = {"node_modules", "venv", "build", "dist", "site-packages", "CVS", "_darcs", "{arch}", "__pycache__"}
_MAX_DIRS = 5000


def _scan_tree(root):
    """Every conftest.py under the root, parents first, and for each top-level module name the
    folders that hold such a module (`name.py` or `name/__init__.py`); pytest's default
    norecursedirs, virtualenvs and hidden folders (.git, .rerecord, .venv, .tox) skipped."""
    conftests, local_modules, visited = [], {}, 0
    for directory, subdirectories, files in os.walk(root):
        visited += 1
        if visited > _MAX_DIRS:
            return conftests, local_modules, False
        subdirectories[:] = sorted(
            name
            for name in subdirectories
            if not name.startswith(".")
            and name not in _SKIPPED_DIRS
            and not name.endswith(".egg")
            and not os.path.isfile(os.path.join(directory, name, "pyvenv.cfg"))
        )
        if "conftest.py" in files:
            conftests.append(os.path.join(directory, "conftest.py"))
        for name in files:
            if name.endswith(".py") and name != "__init__.py":
                local_modules.setdefault(name[:-3], set()).add(directory)
        for name in subdirectories:
            if os.path.isfile(os.path.join(directory, name, "__init__.py")):
                local_modules.setdefault(name, set()).add(directory)
    return conftests, local_modules, True


def _source(node):
    import ast

    unparse = getattr(ast, "unparse", None)  # Python 3.9+
    return unparse(node) if unparse else "line %d" % node.lineno


def _is_type_checking(test):
    import ast

    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _strings(node):
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [element.value for element in node.elts if isinstance(element, ast.Constant) and isinstance(element.value, str)]
    return []


def _conftest_imports(tree):
    """(statement, optional) for each import statement the conftest runs when pytest imports it
    (module level, inside if/try/with too, not in functions or classes), and the module names it
    marks for assertion rewriting (`pytest_plugins`, `register_assert_rewrite(...)`)."""
    import ast

    statements, rewritten = [], set()

    def visit(body, optional):
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                statements.append((node, optional))
            elif isinstance(node, ast.If):
                if not _is_type_checking(node.test):
                    visit(node.body, optional)
                visit(node.orelse, optional)
            elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
                visit(node.body, True)
                for handler in node.handlers:
                    visit(handler.body, True)
                visit(node.orelse, True)
                visit(node.finalbody, optional)
            elif isinstance(node, (ast.With, ast.For, ast.While)):
                visit(node.body, optional)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(target, ast.Name) and target.id == "pytest_plugins" for target in targets) and node.value is not None:
                    rewritten.update(_strings(node.value))

    visit(tree.body, False)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name == "register_assert_rewrite":
                for argument in node.args:
                    rewritten.update(_strings(argument))
    return statements, rewritten


def _imported_names(node, package):
    """The absolute module names an import statement may import."""
    import ast
    import importlib.util

    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        if not package:
            return []
        try:
            base = importlib.util.resolve_name("." * node.level + base, package)
        except Exception:
            return []
    return [base] + ["%s.%s" % (base, alias.name) for alias in node.names if alias.name != "*"]


def _is_test_module(name):
    last = name.rsplit(".", 1)[-1]
    return last == "conftest" or last.startswith("test_") or last.endswith("_test")


def _preload_conftests(root, loader, excluded):
    """Runs the import statements of every conftest.py under the root. Returns how many modules
    they added; the folders added to sys.path for them are taken out again."""
    import ast
    import builtins
    from pathlib import Path

    from _pytest.pathlib import resolve_package_path

    before = len(sys.modules)
    added_paths = []
    count = 0
    conftests, local_modules, complete = _scan_tree(root)

    def ambiguous(name):
        # A fresh process runs one test file and finds `helpers` in the folder pytest put first on
        # sys.path for it: a name two folders of the project define is not this worker's to pick
        # (nor any of the project's names, in a tree too big to scan whole).
        folders = local_modules.get(name.split(".")[0], ())
        return len(folders) > 1 or (bool(folders) and not complete)

    try:
        for conftest in conftests:
            relative = os.path.relpath(conftest, root)
            try:
                with open(conftest, "rb") as source:
                    tree = ast.parse(source.read(), conftest)
            except Exception as error:  # a syntax error: the child reports it in pytest's words
                _note("%s was not read (%s); the test process imports it itself" % (relative, _describe(error)))
                continue
            count += 1
            statements, rewritten = _conftest_imports(tree)
            excluded_here = excluded | rewritten
            # As pytest's default import mode (prepend) will: the folder above the conftest's
            # package (or its own folder) goes first on sys.path while it imports.
            package_path = resolve_package_path(Path(conftest))
            if package_path is None:
                base, package, module_name = os.path.dirname(conftest), "", "conftest"
            else:
                base = str(package_path.parent)
                parts = list(Path(conftest).with_suffix("").relative_to(package_path.parent).parts)
                package, module_name = ".".join(parts[:-1]), ".".join(parts)
            if base not in sys.path:
                sys.path.insert(0, base)
                added_paths.append(base)
            for node, optional in statements:
                names = _imported_names(node, package)
                if not names:
                    continue
                if any(
                    _is_test_module(name)
                    or ambiguous(name)
                    or any(name == skip or name.startswith(skip + ".") for skip in excluded_here)
                    for name in names
                ):
                    continue
                namespace = {"__name__": module_name, "__package__": package, "__file__": conftest, "__builtins__": builtins}
                try:
                    exec(compile(ast.Module(body=[node], type_ignores=[]), conftest, "exec"), namespace)
                except KeyboardInterrupt:
                    raise
                except BaseException as error:
                    if not optional:
                        _note(
                            "%s line %d: %s (%s); the test process imports it itself"
                            % (relative, node.lineno, _source(node), _describe(error))
                        )
                loader._watch("`%s` in %s line %d" % (_source(node), relative, node.lineno))
    finally:
        for base in added_paths:
            if base in sys.path:
                sys.path.remove(base)
    return count, len(sys.modules) - before


def _load(root):
    loader = _Loader()
    pytest = loader.required("pytest", "pytest")
    loader.loaded.append("pytest %s" % pytest.__version__)
    import _pytest.config

    for plugin in _pytest.config.default_plugins:
        loader.optional("_pytest." + plugin)
    # What pytest.main imports lazily (pdb for --pdb's and the debugging plugin's sake).
    for module in ("_pytest._argcomplete", "_pytest.config.compat", "_pytest.assertion.rewrite", "faulthandler", "pdb"):
        loader.optional(module)
    baseline = set(sys.modules)

    vcr = loader.required("vcr", "vcrpy")
    loader.loaded.append("vcrpy %s" % (_version("vcrpy", vcr) or vcr.__version__))
    for module in ("vcr.cassette", "vcr.record_mode", "vcr.serializers.yamlserializer", "vcr.serializers.jsonserializer"):
        loader.optional(module)

    excluded = _rewritten_plugin_modules()

    def allowed(name):
        return not any(name == skip or name.startswith(skip + ".") for skip in excluded)

    # The HTTP libraries vcrpy patches when a cassette opens (it imports each one it finds then).
    for module, distribution in (("requests", "requests"), ("urllib3", "urllib3"), ("httpx", "httpx"), ("aiohttp", "aiohttp")):
        if allowed(module) and loader.optional(module) is not None:
            loader.loaded.append(("%s %s" % (distribution, _version(distribution, sys.modules[module]) or "")).rstrip())
    for stub in ("requests_stubs", "urllib3_stubs", "httpx_stubs", "aiohttp_stubs", "httplib2_stubs", "tornado_stubs", "boto3_stubs"):
        loader.optional("vcr.stubs." + stub)

    # pytest-recording (loaded by `-p pytest_recording.plugin` or its entry point): its modules, not
    # the plugin module itself, which pytest marks for rewriting when it loads it.
    if allowed("pytest_recording"):
        recording = loader.optional("pytest_recording")
        if recording is not None:
            for module in ("_vcr", "network", "utils", "validation", "hooks", "exceptions"):
                loader.optional("pytest_recording." + module)
            loader.loaded.append(("pytest-recording %s" % (_version("pytest-recording", recording) or "")).rstrip())

    hook = loader.required("rerecord_vcrpy", "rerecord's record hook (rerecord_vcrpy on PYTHONPATH)")

    conftests, modules = _preload_conftests(root, loader, excluded)
    if modules:
        loader.loaded.append("the imports of %d conftest.py (%d modules)" % (conftests, modules))

    if loader.threading.active_count() > 1:
        names = [thread.name for thread in loader.threading.enumerate() if thread is not loader.threading.main_thread()]
        count = len(names)
        raise _Unavailable(
            "the project's setup left %d thread%s running (%s; the first appeared after %s): forking would copy %s stopped"
            % (count, "" if count == 1 else "s", ", ".join(names), loader.thread_origin, "it" if count == 1 else "them")
        )

    preloaded = set(sys.modules) - baseline
    _quiet_already_imported_warnings(preloaded)
    return pytest, hook, loader.loaded


def _quiet_already_imported_warnings(preloaded):
    """pytest warns "Module already imported so cannot be rewritten" for a module it marks for
    rewriting once it is in sys.modules (pytest-recording marks vcr.matchers). A fresh process
    would not have imported the modules this worker loaded yet: no warning for those."""
    try:
        from _pytest.assertion.rewrite import AssertionRewritingHook

        original = AssertionRewritingHook._warn_already_imported
    except (ImportError, AttributeError):
        return

    def _warn_already_imported(self, name):
        if name not in preloaded:
            original(self, name)

    AssertionRewritingHook._warn_already_imported = _warn_already_imported


def _exit_status(system_exit):
    code = system_exit.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write("%s\n" % (code,))
    except Exception:
        pass
    return 1


def _run_child(request, pytest, hook, sync_fd, worker_cwd):
    """In the forked child: never returns."""
    status = 1
    try:
        try:
            os.setsid()
            session = b"1"
        except OSError:
            session = b"0"
        os.write(sync_fd, session)
        os.close(sync_fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        sys.stdin = sys.__stdin__ = open(0, "r", closefd=False, encoding=sys.stdin.encoding, errors=sys.stdin.errors)
        os.close(_MESSAGES_FD)

        cwd = request.get("cwd") or worker_cwd
        os.chdir(cwd)
        # `python -m pytest` puts the working directory first on sys.path.
        if sys.path and sys.path[0] == worker_cwd:
            sys.path[0] = os.getcwd()
        os.environ.clear()
        os.environ.update(request["env"])
        import importlib
        import time

        time.tzset()
        importlib.invalidate_caches()
        _forget_worker_exit_handlers()
        hook.configure_from_environment()

        sys.argv = [os.path.join(os.path.dirname(pytest.__file__), "__main__.py")] + list(request.get("args") or []) + [request["file"]]
        try:
            status = int(pytest.console_main())
        except SystemExit as exit:
            status = _exit_status(exit)
        except KeyboardInterrupt:
            # Outside pytest's session (which answers it with exit code 2): Python's own way.
            import traceback

            traceback.print_exc()
            _finish_like_an_interpreter(1)
            _exit_by_sigint()
        except BaseException:
            import traceback

            traceback.print_exc()
            status = 1
        status = _finish_like_an_interpreter(status)
    except BaseException:
        try:
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
        except BaseException:
            pass
        status = 1
    os._exit(status)


def _forget_worker_exit_handlers():
    """The worker's exit handlers are not the child's: a module that made a temporary folder at
    import and removes it at exit must not remove it under the next child. logging's and
    multiprocessing's come back: they act on what this process did, as in any interpreter."""
    import atexit

    atexit._clear()
    if "logging" in sys.modules:
        atexit.register(sys.modules["logging"].shutdown)
    util = sys.modules.get("multiprocessing.util")
    if util is not None and hasattr(util, "_exit_function"):
        atexit.register(util._exit_function)


def _finish_like_an_interpreter(status):
    """What Python does after the main module: wait for non-daemon threads, run exit handlers,
    flush the standard streams (120 if that fails)."""
    import threading
    import atexit

    try:
        threading._shutdown()
    except BaseException:
        pass
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except BaseException:
            status = 120
    return status


def _exit_by_sigint():
    import signal

    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGINT)
    os._exit(130)


def _signal_name(number):
    import signal

    try:
        return signal.Signals(number).name
    except ValueError:
        return "SIG%d" % number


def _serve(pytest, hook, worker_cwd):
    requests = sys.stdin.buffer
    while True:
        line = requests.readline()
        if not line:
            return
        if not line.strip():
            continue
        request = json.loads(line)
        request_id = request["id"]
        sys.stdout.flush()
        sys.stderr.flush()
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _run_child(request, pytest, hook, write_fd, worker_cwd)
        os.close(write_fd)
        session = os.read(read_fd, 1) == b"1"
        os.close(read_fd)
        _send({"id": request_id, "started": pid, "session": session})
        _, status = os.waitpid(pid, 0)
        end = request["end"].encode("utf-8")
        _write_fully(1, end)
        _write_fully(2, end)
        if os.WIFSIGNALED(status):
            _send({"id": request_id, "signal": _signal_name(os.WTERMSIG(status))})
        else:
            _send({"id": request_id, "exit": os.WEXITSTATUS(status)})


def main():
    try:
        os.fstat(_MESSAGES_FD)
    except OSError:
        sys.stderr.write("rerecord_worker.py speaks to rerecord on fd 3, which is not open (see WORKERS.md)\n")
        return 2
    worker_cwd = os.getcwd()
    # As `python -m pytest` run here: the working directory first on sys.path, not this folder
    # (neither with -P / PYTHONSAFEPATH, which keeps both off).
    if not getattr(sys.flags, "safe_path", False):
        sys.path[0] = worker_cwd
    try:
        pytest, hook, loaded = _load(worker_cwd)
    except _Unavailable as why:
        sys.stdout.flush()
        sys.stderr.flush()
        _send({"unavailable": str(why)})
        return 0
    import gc

    gc.collect()
    gc.freeze()  # children share the loaded objects' pages instead of copying them on collection
    sys.stdout.flush()
    sys.stderr.flush()
    _send({"ready": True, "loaded": loaded})
    _serve(pytest, hook, worker_cwd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
