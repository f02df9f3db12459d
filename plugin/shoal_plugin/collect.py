"""Collection, split by file so that workers can share it.

The session process walks the directories and loads every conftest, but does
not import test modules: each file becomes a node whose collection is left to
the workers ("lazy"). A worker collects a file when shoal first asks for it,
so the expensive part of collection, importing test modules, runs in parallel.

Where a lazy walk would change what pytest selects (node ids such as
``test_x.py::test_y`` in the arguments, --lf, --sw) or how it orders a
file's tests (a pytest_collection_modifyitems that reorders across files,
see orders_across_files), the session collects everything itself ("eager")
and the workers inherit the result.
"""

import contextlib
import fnmatch
import hashlib
import os
import re

import pytest

try:
    from pytest import CollectReport
except ImportError:  # pytest < 7.0
    from _pytest.reports import CollectReport

from shoal_plugin import marks, reports


class Shallow:
    """A plugin that stops collection at files, recording them in order."""

    def __init__(self):
        self.files = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_make_collect_report(self, collector):
        if isinstance(collector, pytest.File) and not isinstance(collector, pytest.Package):
            self.files.append(collector)
            return CollectReport(collector.nodeid, "passed", None, [])
        return None


def can_be_lazy(config):
    opt = config.option
    if os.environ.get("SHOAL_EAGER"):  # shoal plan: no workers to collect
        return False
    if any("::" in str(arg) for arg in config.args):
        return False
    for name in ("lf", "failedfirst", "stepwise", "newfirst", "stepwise_skip"):
        if getattr(opt, name, False):
            return False
    return not orders_across_files(config)


# A pytest-order mark that names another test (before=, after=; depends=
# with --order-dependencies) may name one in another file.
RELATIVE = re.compile(rb"\border\s*\([^)]*?\b(before|after)\s*=|\bdependency\s*\([^)]*?\bdepends\s*=")
# What a conftest's pytest_collection_modifyitems does when it reorders the
# list rather than marking or deselecting its items.
REORDERS = re.compile(rb"shuffle|\.sort\(|sorted\(|\.reverse\(|\.insert\(|items\[:\]\s*=")
# Plugins that shuffle the whole collection: pytest-randomly, pytest-random-order.
SHUFFLERS = ("randomly", "random_order")


def orders_across_files(config):
    """Whether a pytest_collection_modifyitems may order one file's tests by
    those of other files: pytest-randomly's or pytest-random-order's shuffle,
    pytest-order's marks that name other tests, a conftest's reordering.

    In a lazy collection that hook sees one file's items at a time, so it
    would order a file differently from pytest and pytest-xdist's loadfile.
    The files' text is searched: reading them costs far less than collecting
    everything in one process. pytest-order's marks given by number only
    (order(1)) and a conftest that marks or deselects order each file alike
    either way.
    """
    manager = config.pluginmanager
    if any(manager.hasplugin(name) for name in SHUFFLERS):
        return True
    relative = manager.hasplugin("pytest_order") and getattr(config.option, "order_scope", None) not in ("module", "class")
    patterns = config.getini("python_files") or ["test_*.py"]
    for path in _python_files(config.args or [str(config.rootpath)], patterns):
        conftest = os.path.basename(path) == "conftest.py"
        if not (conftest or relative):
            continue
        try:
            with open(path, "rb") as f:
                text = f.read()
        except OSError:
            continue
        if relative and RELATIVE.search(text):
            return True
        if conftest and b"pytest_collection_modifyitems" in text and REORDERS.search(text):
            return True
    return False


def _python_files(args, patterns):
    for arg in args:
        arg = str(arg).split("::")[0]
        if os.path.isfile(arg):
            yield arg
            continue
        for top, dirs, names in os.walk(arg):
            dirs[:] = [d for d in dirs if not d.startswith((".", "__")) and d not in ("venv", "node_modules", "build", "dist")]
            for name in names:
                if name == "conftest.py" or any(fnmatch.fnmatch(name, p) for p in patterns):
                    yield os.path.join(top, name)


class Inventory:
    """The session's files and, once collected, each file's items.

    A test is addressed by (file index, position in its file), which is the
    same in every process that collected the same suite.
    """

    def __init__(self, session, files, items_by_file=None, lazy=True):
        self.session = session
        self.files = files
        self.lazy = lazy
        self.items = items_by_file or {}
        self.deselected = 0
        self._errors = []
        self._mark_errors = []

    def digest(self):
        h = hashlib.sha256()
        for f in self.files:
            h.update(f.nodeid.encode("utf-8", "surrogateescape") + b"\n")
        return h.hexdigest()

    def describe(self):
        """Each file for shoal; with their items where they are collected already."""
        out = []
        names = marks.names()
        first = ahead(self.session.config)
        for i, f in enumerate(self.files):
            entry = {"nodeid": f.nodeid, "size": _size(f)}
            if i in self.items:
                entry["items"] = [_item(it, names, self._mark_errors, first) for it in self.items[i]]
            out.append(entry)
        return out

    def mark_errors(self):
        """Markers with arguments shoal cannot use, as collection errors (eager mode)."""
        return [reports.encode_collect(self.session.config, r) for r in self._mark_errors]

    def collect(self, fid):
        """Collect one file (once) and describe its items for shoal."""
        if fid in self.items:
            return None
        session, config = self.session, self.session.config
        node = self.files[fid]
        self._errors = []
        self.deselected = 0
        with _collect_warnings(config):
            found = list(session.genitems(node))
            config.hook.pytest_collection_modifyitems(session=session, config=config, items=found)
        self.items[fid] = found
        session.items.extend(found)
        session.testscollected = len(session.items)
        names = marks.names()
        described = [_item(it, names, self._errors) for it in found]
        return {
            "t": "collected_file",
            "file": fid,
            "items": described,
            "deselected": self.deselected,
            "errors": [reports.encode_collect(config, r) for r in self._errors],
        }

    # hooks, registered while the inventory is in use
    def pytest_collectreport(self, report):
        if not report.passed:
            self._errors.append(report)

    def pytest_deselected(self, items):
        self.deselected += len(items)

    def item(self, fid, pos):
        return self.items[fid][pos]


def _collect_warnings(config):
    """Record warnings raised while collecting, as pytest's collection does."""
    try:
        from _pytest.warnings import catch_warnings_for_item
    except ImportError:
        return contextlib.nullcontext()
    return catch_warnings_for_item(config, ihook=config.hook, when="collect", item=None)


def _size(node):
    try:
        return node.path.stat().st_size
    except (OSError, AttributeError):
        return 0


def ahead(config):
    """Which tests pytest's --ff or --nf puts before the others, as a test
    of a node id (None without those flags): last run's failures, tests the
    cache has not seen.

    pytest reorders the session's items for them (so collection is eager),
    but shoal hands out whole files by expected time: the files holding
    these tests must start first. The cache is read as pytest's plugins
    read it before the run; they update their own copies while collecting.
    """
    opt, cache = config.option, getattr(config, "cache", None)
    failed_first, new_first = getattr(opt, "failedfirst", False), getattr(opt, "newfirst", False)
    if cache is None or not (failed_first or new_first):
        return None
    failed = cache.get("cache/lastfailed", {}) if failed_first else {}
    seen = set(cache.get("cache/nodeids", [])) if new_first else None
    return lambda nodeid: nodeid in failed or (seen is not None and nodeid not in seen)


def _item(item, names, errors, first=None):
    """[nodeid, path, lineno, domain] and, where it has any, what its markers
    ask and whether --ff or --nf puts it first."""
    path, lineno, domain = item.location
    out = [item.nodeid, path, lineno, domain]
    try:
        described = marks.describe(item, names)
    except marks.BadMark as e:
        errors.append(CollectReport(item.nodeid, "failed", "%s: %s" % (item.nodeid, e), []))
        described = None
    if first is not None and first(item.nodeid):
        described = dict(described or {}, f=True)
    if described:
        out.append(described)
    return out


def group_by_file(items):
    """Eager collection: the files in order of first appearance, and their items."""
    files, by_file, index = [], {}, {}
    for item in items:
        node = item.getparent(pytest.File) or item
        key = id(node)
        if key not in index:
            index[key] = len(files)
            files.append(node)
            by_file[index[key]] = []
        by_file[index[key]].append(item)
    return files, by_file


def collect_session(session):
    """Run the session's collection, lazily where possible. Returns an Inventory."""
    config = session.config
    if can_be_lazy(config):
        shallow = Shallow()
        config.pluginmanager.register(shallow, "shoal-shallow")
        try:
            session.perform_collect()
        finally:
            config.pluginmanager.unregister(shallow, "shoal-shallow")
        return Inventory(session, shallow.files)
    items = session.perform_collect()
    files, by_file = group_by_file(items)
    return Inventory(session, files, by_file, lazy=False)
