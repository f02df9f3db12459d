"""Trace mode, for ``shoal audit``: what each test touches, one JSON line per test.

Loaded beside the session or worker module when shoal sets SHOAL_TRACE to a
directory. Around each test's whole protocol (setup, call, teardown) the
audit hook of touch.py records files, sockets, processes, SQLite files,
environment and cwd changes (sqltrace.py adds PostgreSQL statements), and
leaks.py compares process state before and after. What a module, class or
session fixture touched while it was set up is credited to every test that
uses it, since they all run while it holds what it took. Each worker
appends its tests to ``SHOAL_TRACE/<worker>-<pid>.jsonl``, one object per
line, flushed after every test; shoal's footprint package reads them.

SHOAL_TRACE_PRIVATE lists (os.pathsep-separated) directories that belong to
one worker (the run's directory). SHOAL_TRACE_PAIRS names a JSON file
``{nodeid: [pair, directory]}``: the two tests of a pair wait for each other
before they start, so that they run at the same time on two workers.
Tracing watches only: it changes no outcome.
"""

import json
import os
import sys
import tempfile
import time

import pytest

from shoal_plugin import leaks, marks, sites, sqltrace, touch

__all__ = ["pytest_runtest_protocol", "pytest_fixture_setup", "pytest_fixture_post_finalizer"]

# Read at load, then dropped: the tests and what they start never see them.
DIR = os.environ.pop("SHOAL_TRACE", "")
PRIVATE = [p for p in os.environ.pop("SHOAL_TRACE_PRIVATE", "").split(os.pathsep) if p]
PAIRS_FILE = os.environ.pop("SHOAL_TRACE_PAIRS", "")
MEET_SECONDS = 3.0


class Tracer:
    def __init__(self):
        self.out = None
        self.modules = leaks.Modules()
        self.fixtures = {}  # (FixtureDef, param index) -> Footprint of its set-up
        self.touched = []  # non-function fixtures set up or torn down in this protocol
        self.changed = {}  # fixture name -> what its set-up changed in the worker
        self.ready = False
        self.dirs = set()
        self.last = None  # (len(sys.modules), the snapshot after the last test)

    def begin(self, item):
        if not self.ready:
            self._scope(item.config)
        self._project(item)
        touch.SCOPE.test_file = os.path.abspath(str(getattr(item, "path", "") or item.fspath))
        sqltrace.watch()
        self.touched = []
        before = self._before()
        fp = touch.Footprint()
        touch.SINKS.append(fp)
        return fp, before, time.time()

    def end(self, item, begun):
        fp, before, start = begun
        stop = time.time()
        touch.SINKS[:] = []
        after = leaks.snapshot(self.modules)
        self.last = (len(sys.modules), after)
        changes = leaks.diff(before, after)
        credited = self._credit(item, fp)
        self._write(self._record(item, fp, changes, credited, start, stop))

    def _before(self):
        """The snapshot before a test: the last test's after, when nothing
        was imported since (only shoal's loop ran in between)."""
        last, self.last = self.last, None
        if last is not None and last[0] == len(sys.modules):
            return last[1]
        return leaks.snapshot(self.modules)

    def fixture_started(self, fixturedef, request):
        fp = touch.Footprint()
        self.fixtures[(fixturedef, getattr(request, "param_index", 0))] = fp
        self.touched.append(fixturedef.argname)
        touch.SINKS.append(fp)
        return fp, self._snapshot()

    def fixture_done(self, fixturedef, started):
        fp, before = started
        if fp in touch.SINKS:
            touch.SINKS.remove(fp)
        self.changed[fixturedef.argname] = set(leaks.diff(before, self._snapshot()))

    def _snapshot(self):
        """A snapshot taken with the sinks off: reading /proc is not the test's doing."""
        sinks = touch.SINKS[:]
        touch.SINKS[:] = []
        try:
            return leaks.snapshot(self.modules)
        finally:
            touch.SINKS[:] = sinks

    def _scope(self, config):
        """Private roots (most specific first) and the worker's ports."""
        roots = []
        factory = getattr(config, "_tmp_path_factory", None)
        base = getattr(factory, "_given_basetemp", None) or getattr(factory, "_basetemp", None)
        if base:
            roots.append((str(base), "tmp_path"))
        if os.environ.get("SHOAL_WORKER_TMP"):
            roots.append((os.environ["SHOAL_WORKER_TMP"], "worker_tmp_path"))
        roots.append((tempfile.gettempdir(), "TMPDIR"))
        roots.extend((p, "run directory") for p in PRIVATE)
        seen = []
        for path, kind in roots:
            for form in {os.path.abspath(path), os.path.realpath(path)}:
                seen.append((form.rstrip(os.sep) + os.sep, kind))
        touch.SCOPE.private = tuple(seen)
        try:
            lo, hi = os.environ.get("SHOAL_PORT_RANGE", "").split("-")
            touch.SCOPE.ports = (int(lo), int(hi))
        except ValueError:
            pass
        self.modules.add_root(str(config.rootpath))
        touch.SCOPE.project = self.modules.roots
        self.ready = True

    def _project(self, item):
        """The top package of a test's file is the project's too (tests run with --pyargs)."""
        folder = os.path.dirname(os.path.abspath(str(getattr(item, "path", "") or item.fspath)))
        if folder in self.dirs:
            return
        self.dirs.add(folder)
        top = folder
        while os.path.isfile(os.path.join(os.path.dirname(top), "__init__.py")):
            top = os.path.dirname(top)
        self.modules.add_root(top)
        touch.SCOPE.project = self.modules.roots

    def _credit(self, item, fp):
        """Fold in the set-up footprints of the non-function fixtures item uses."""
        info = getattr(item, "_fixtureinfo", None)
        defs = getattr(info, "name2fixturedefs", {}) or {}
        callspec = getattr(item, "callspec", None)
        indices = getattr(callspec, "indices", {}) or {}
        credited = []
        for name in getattr(item, "fixturenames", ()):
            chain = defs.get(name)
            if not chain:
                continue
            found = self.fixtures.get((chain[-1], indices.get(name, 0)))
            if found is not None and (found.files or found.ports or found.sql or found.processes):
                fp.merge(found)
                credited.append(name)
        return credited

    def _leaks(self, changes):
        """What the test left changed, each with the fixtures (set up or torn
        down in this test) whose set-up changed the same thing, if any."""
        out = []
        for change in changes:
            by = sorted({name for name in self.touched if change in self.changed.get(name, ())})
            kind, what = change
            out.append(dict({"kind": kind, "what": what}, **({"by": by} if by else {})))
        return out

    def _record(self, item, fp, changes, credited, start, stop):
        leaked_env = {what for kind, what in changes if kind == "env"}
        rec = {
            "nodeid": item.nodeid,
            "worker": os.environ.get("PYTEST_XDIST_WORKER", ""),
            "start": start,
            "stop": stop,
            "files": [{"path": p, "ops": sorted(ops), "at": at} for p, (ops, at) in sorted(fp.files.items())],
            "ports": [
                {"op": op, "proto": proto, "port": port, "host": host, "at": at}
                for (op, proto, port), (host, at) in sorted(fp.ports.items())
            ],
            "env": [{"name": n, "restored": n not in leaked_env, "at": at} for n, at in sorted(fp.env.items())],
            "processes": [{"command": c, "at": at} for c, at in sorted(fp.processes.items())],
            "sql": [dict(database=d, **e) for d, e in sorted(fp.sql.items())],
            "leaks": self._leaks(changes),
            "private": fp.private,
        }
        if fp.cwd is not None:
            rec["cwd"] = {"restored": not any(k == "cwd" for k, _ in changes), "at": fp.cwd}
        if credited:
            rec["fixtures"] = credited
        name = marks.names()["isolation"]
        if item.get_closest_marker(name) is not None:
            rec["sites"] = sites.find(item, name)
        return rec

    def failed(self, item, error):
        """The footprint of a test the tracer could not follow to its end."""
        try:
            self._write({"nodeid": item.nodeid, "worker": os.environ.get("PYTEST_XDIST_WORKER", ""), "error": repr(error)[:500]})
        except Exception:
            pass

    def _write(self, rec):
        if self.out is None:
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            self.out = open(os.path.join(DIR, "%s-%d.jsonl" % (worker, os.getpid())), "a", encoding="utf-8")
        self.out.write(json.dumps(rec, default=repr, ensure_ascii=False) + "\n")
        self.out.flush()


_tracer = Tracer()


def _load_pairs():
    if not PAIRS_FILE:
        return {}
    with open(PAIRS_FILE, encoding="utf-8") as f:
        return json.load(f)


_pairs = _load_pairs()


def _meet(nodeid):
    """Wait, up to MEET_SECONDS, for the other test of nodeid's pair to be ready too."""
    entry = _pairs.get(nodeid)
    if entry is None:
        return
    pair, folder = entry
    open(os.path.join(folder, "%s.%d" % (pair, os.getpid())), "w").close()
    deadline = time.monotonic() + MEET_SECONDS
    while time.monotonic() < deadline:
        if sum(1 for n in os.listdir(folder) if n.startswith(pair + ".")) >= 2:
            return
        time.sleep(0.002)


# The hooks never let the tracer's own trouble reach the test: a snapshot
# that fails (another thread changing what it reads) costs the test its
# footprint, which then says why, never its outcome.


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if _pairs:
        try:
            _meet(item.nodeid)
        except Exception:
            pass
    if not DIR:
        yield
        return
    try:
        begun = _tracer.begin(item)
    except Exception as e:
        touch.SINKS[:] = []
        begun = e
    try:
        yield
    finally:
        try:
            if isinstance(begun, Exception):
                raise begun
            _tracer.end(item, begun)
        except Exception as e:
            touch.SINKS[:] = []
            _tracer.failed(item, e)


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    if not touch.SINKS or fixturedef.scope == "function":
        yield
        return
    try:
        started = _tracer.fixture_started(fixturedef, request)
    except Exception:
        started = None
    try:
        yield
    finally:
        if started is not None:
            try:
                _tracer.fixture_done(fixturedef, started)
            except Exception:
                pass


def pytest_fixture_post_finalizer(fixturedef, request):
    if touch.SINKS and fixturedef.scope != "function":
        _tracer.touched.append(fixturedef.argname)


if DIR:
    sys.addaudithook(touch.hook)
    sqltrace.install()
