"""Process state a test leaves changed: snapshots before and after it.

A worker runs many tests one after another in one process, so what a test
changes and does not put back (an environment variable, the cwd, a module's
global list, a signal handler, a thread still running) is seen by the tests
that follow it on that worker, whatever isolation marker it has. The list
follows CPython's own regression-test checks (libregrtest's save_env) plus
the globals of the project's modules, compared by cheap fingerprints: the
identity of every global and class attribute, and the size of every global
list, dict and set, with the identities of their items when they are small.

Identities are compared with operator.is_ on the objects themselves, never
with id(): every call of id() raises an audit event, which would run the
trace's own hook tens of thousands of times a snapshot.
"""

import operator
import os
import signal
import socket
import sys
import threading

_SIGNALS = [getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGALRM", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGCHLD") if hasattr(signal, n)]
# Standard modules that tests often patch by hand: their globals are
# compared as a project module's are.
_PATCHED = ("os", "time", "datetime", "socket", "subprocess", "random", "shutil", "tempfile", "json", "logging")
_SMALL = 64
_MODULES = {}  # the cache of sys.modules' entry
_CONTAINERS = (list, dict, set)


class Modules:
    """Which modules are the project's (files under its roots, not installed
    packages in them), and their fingerprints.

    A fingerprint is taken before and after every test, so it is made of
    what C code computes fast: the names and the identities of a module's
    globals. Which globals are lists, dicts and sets, and which are classes
    defined there, is worked out again only when those identities change.
    Names that start with "_" are the module's own business (caches,
    counters, lazily made helpers) and are left out.
    """

    def __init__(self):
        self.roots = ()
        self._known = {}  # module name -> bool, for the current roots
        self._count = -1
        self._list = []
        self._watch = {}  # module name -> (its entry, [(name, container)], [(name, class)])
        self._entries = {}  # module name, or (module name, class name) -> (names, ids)

    def add_root(self, root):
        root = os.path.abspath(root) + os.sep
        if root not in self.roots:
            self.roots = self.roots + (root,)
            self._known = {}
            self._count = -1

    def current(self):
        """[(name, module, deep)] to compare: the project's modules, deep
        (their containers and classes too), and the often patched standard
        modules, whose globals only; recomputed when sys.modules grows."""
        mods = sys.modules
        if len(mods) == self._count:
            return self._list
        out = []
        for name, mod in list(mods.items()):
            ok = self._known.get(name)
            if ok is None:
                ok = self._is_project(mod)
                self._known[name] = ok
            if ok:
                out.append((name, mod, True))
        for name in _PATCHED:
            mod = mods.get(name)
            if mod is not None and not self._known.get(name):
                out.append((name, mod, False))
        self._count = len(mods)
        self._list = out
        return out

    def _is_project(self, mod):
        try:
            path = mod.__dict__.get("__file__")
        except Exception:
            return False
        if not isinstance(path, str):
            return False
        path = os.path.abspath(path)
        for root in self.roots:
            if path.startswith(root):
                rest = path[len(root) :]
                return not any(part in rest for part in ("site-packages", "dist-packages", ".venv", ".tox", "shoal_plugin"))
        return False

    def prints(self):
        """{module name: fingerprint} of the modules to compare."""
        return {name: self._print(name, mod, deep) for name, mod, deep in self.current()}

    def _print(self, name, mod, deep):
        """(the module's (names, ids), ((name, size or (size, item ids)) of
        each public list, dict and set), ((name, its (names, ids)) of each
        public class defined there))."""
        try:
            d = mod.__dict__
            glob = _entry(self._entries, name, d)
            if not deep:
                return (glob, (), ())
            watch = self._watch.get(name)
            if watch is None or watch[0] is not glob:
                watch = (glob,) + _scan(d)
                self._watch[name] = watch
            sizes = tuple([(n, _container_print(c)) for n, c in watch[1]])
            classes = tuple([(n, _entry(self._entries, (name, n), vars(c))) for n, c in watch[2]])
        except Exception:
            return None
        return (glob, sizes, classes)


def _entry(cache, key, d):
    """(names, values) of the mapping d: the cached tuple itself while its
    values are the same objects, so that a snapshot makes one tuple per
    module and compares, not copies, the rest. Two snapshots whose entries
    are the same object saw the same state."""
    values = tuple(d.values())
    old = cache.get(key)
    if old is not None and _same(old[1], values):
        return old
    new = (tuple(d), values)
    cache[key] = new
    return new


def _same(a, b):
    """Whether two tuples hold the same objects, compared by identity only."""
    return a is b or (len(a) == len(b) and all(map(operator.is_, a, b)))


def _scan(d):
    """The public containers and the public classes defined in module dict d."""
    containers, classes = [], []
    modname = d.get("__name__")
    for name, v in list(d.items()):
        if name.startswith("_"):
            continue
        if isinstance(v, _CONTAINERS):
            containers.append((name, v))
        elif type(v) is type and getattr(v, "__module__", None) == modname:
            classes.append((name, v))
    return containers, classes


def _container_print(c):
    """Its size and, when small, its items (values of a dict)."""
    try:
        n = len(c)
        if n <= _SMALL and not isinstance(c, set):
            return (n, tuple(c.values() if isinstance(c, dict) else c))
        return (n, ())
    except Exception:
        return (-1, ())


def _changed(before_names, before_values, after_names, after_values):
    """Public names whose value was replaced or removed. Names added since
    are left out: a module or class filling a cache on first use is not a
    change another test can see differently."""
    now = dict(zip(after_names, after_values))
    out = []
    for name, value in zip(before_names, before_values):
        if name.startswith("_"):
            continue
        if name not in now:
            out.append((name, "removed"))
        elif now[name] is not value:
            out.append((name, "rebound"))
    return out


def _module_leaks(before, after):
    out = []
    for mod, now in after.items():
        was = before.get(mod)
        if was is None or now is None or was is now:
            continue
        changed = _changed(*was[0], *now[0]) if was[0] is not now[0] else []
        for name, how in changed[:5]:
            out.append(("module", "%s.%s %s" % (mod, name, how)))
        rebound = {name for name, _ in changed}
        sizes = dict(now[1])
        for name, (n, items) in was[1]:
            if name in sizes and name not in rebound:
                m, now_items = sizes[name]
                if n != m or not _same(items, now_items):
                    out.append(("module", "%s.%s changed in place" % (mod, name)))
        classes = dict(now[2])
        for name, entry in was[2]:
            c = classes.get(name)
            if c is not None and c is not entry:
                for attr, how in _changed(*entry, *c)[:5]:
                    out.append(("module", "%s.%s.%s %s" % (mod, name, attr, how)))
    return out


def _children():
    pids = set()
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return pids
    for tid in tasks:
        try:
            with open("/proc/self/task/%s/children" % tid) as f:
                pids.update(int(p) for p in f.read().split())
        except (OSError, ValueError):
            pass
    return pids


def _running(pid):
    """Whether pid still runs: a child that exited but was not waited for is a zombie."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


def _command(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()[:200]
    except OSError:
        return "pid %d" % pid


def _logging():
    logging = sys.modules.get("logging")
    if logging is None:
        return None
    root = logging.getLogger()
    return (root.level,) + tuple(root.handlers)


def _locale():
    try:
        import locale

        return locale.setlocale(locale.LC_ALL)
    except Exception:
        return None


def snapshot(modules):
    """The process state a test could leave changed; modules is a Modules."""
    env = dict(os.environ)
    env.pop("PYTEST_CURRENT_TEST", None)
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = None
    return {
        "env": env,
        "cwd": cwd,
        "sys.path": list(sys.path),
        "sys.modules": _entry(_MODULES, None, sys.modules),
        "modules": modules.prints(),
        "signals": tuple(signal.getsignal(s) for s in _SIGNALS),
        "socket timeout": socket.getdefaulttimeout(),
        "logging": _logging(),
        "locale": _locale(),
        "recursion limit": sys.getrecursionlimit(),
        "threads": {t.ident: t.name for t in threading.enumerate()},
        "children": _children(),
    }


def diff(before, after):
    """[(kind, what)] the test left changed."""
    out = []
    env_b, env_a = before["env"], after["env"]
    for k in sorted(set(env_b) | set(env_a)):
        if env_b.get(k) != env_a.get(k):
            out.append(("env", k))
    if before["cwd"] != after["cwd"]:
        out.append(("cwd", "cwd %s -> %s" % (before["cwd"], after["cwd"])))
    if before["sys.path"] != after["sys.path"]:
        out.append(("sys", "sys.path"))
    gone = [name for name, _ in _changed(*before["sys.modules"], *after["sys.modules"])] if before["sys.modules"] is not after["sys.modules"] else []
    if gone:
        out.append(("sys", "sys.modules entries removed or replaced: %s" % ", ".join(sorted(gone)[:5])))
    out.extend(_module_leaks(before["modules"], after["modules"]))
    for key in ("signals", "logging"):
        if before[key] is not None and after[key] is not None and not _same(before[key], after[key]):
            out.append(("sys", key))
    for key in ("socket timeout", "locale", "recursion limit"):
        if before[key] != after[key]:
            out.append(("sys", key))
    for ident, name in after["threads"].items():
        if ident not in before["threads"]:
            out.append(("thread", name))
    for pid in sorted(after["children"] - before["children"]):
        if _running(pid):
            out.append(("process", _command(pid)))
    return out
