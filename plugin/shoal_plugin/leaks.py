"""Process state a test leaves changed: snapshots before and after it.

A worker runs many tests one after another in one process, so what a test
changes and does not put back (an environment variable, the cwd, a module's
global list, a signal handler, a thread still running) is seen by the tests
that follow it on that worker, whatever isolation marker it has. The list
follows CPython's own regression-test checks (libregrtest's save_env) plus
the globals of the project's modules, compared by cheap fingerprints: the
identity of every global and class attribute, and the size of every global
list, dict and set, with the identities of their items when they are small.
"""

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
        self._watch = {}  # module name -> (ids, [(name, container)], [(name, class)])

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
        """(names, ids of the values, ((name, size or (size, item ids)) of each
        public list, dict and set), ((name, attribute names, their ids) of
        each public class defined there))."""
        try:
            d = mod.__dict__
            names = tuple(d)
            ids = tuple(map(id, tuple(d.values())))
        except Exception:
            return None
        if not deep:
            return (names, ids, (), ())
        watch = self._watch.get(name)
        if watch is None or watch[0] != ids:
            watch = (ids,) + _scan(d)
            self._watch[name] = watch
        sizes = tuple([(n, _container_print(c)) for n, c in watch[1]])
        classes = tuple([(n, tuple(vars(c)), tuple(map(id, tuple(vars(c).values())))) for n, c in watch[2]])
        return (names, ids, sizes, classes)


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
    try:
        n = len(c)
        if n <= _SMALL and not isinstance(c, set):
            return (n, tuple(map(id, tuple(c.values() if isinstance(c, dict) else c))))
        return n
    except Exception:
        return None


def _changed(before_names, before_ids, after_names, after_ids):
    """Public names whose value was replaced or removed. Names added since
    are left out: a module or class filling a cache on first use is not a
    change another test can see differently."""
    now = dict(zip(after_names, after_ids))
    out = []
    for name, ident in zip(before_names, before_ids):
        if name.startswith("_"):
            continue
        if name not in now:
            out.append((name, "removed"))
        elif now[name] != ident:
            out.append((name, "rebound"))
    return out


def _module_leaks(before, after):
    out = []
    for mod, now in after.items():
        was = before.get(mod)
        if was is None or now is None or was == now:
            continue
        changed = _changed(was[0], was[1], now[0], now[1])
        for name, how in changed[:5]:
            out.append(("module", "%s.%s %s" % (mod, name, how)))
        if was[2] != now[2]:
            sizes = dict(now[2])
            rebound = {name for name, _ in changed}
            for name, fingerprint in was[2]:
                if name in sizes and sizes[name] != fingerprint and name not in rebound:
                    out.append(("module", "%s.%s changed in place" % (mod, name)))
        if was[3] != now[3]:
            classes = {c[0]: c for c in now[3]}
            for name, keys, ids in was[3]:
                c = classes.get(name)
                if c is not None and (c[1], c[2]) != (keys, ids):
                    for attr, how in _changed(keys, ids, c[1], c[2])[:5]:
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
    return (root.level, tuple(map(id, root.handlers)))


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
        "sys.modules": (tuple(sys.modules), tuple(map(id, tuple(sys.modules.values())))),
        "modules": modules.prints(),
        "signals": tuple(id(signal.getsignal(s)) for s in _SIGNALS),
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
    gone = [name for name, _ in _changed(*before["sys.modules"], *after["sys.modules"])]
    if gone:
        out.append(("sys", "sys.modules entries removed or replaced: %s" % ", ".join(sorted(gone)[:5])))
    out.extend(_module_leaks(before["modules"], after["modules"]))
    for key in ("signals", "socket timeout", "logging", "locale", "recursion limit"):
        if before[key] != after[key]:
            out.append(("sys", key))
    for ident, name in after["threads"].items():
        if ident not in before["threads"]:
            out.append(("thread", name))
    for pid in sorted(after["children"] - before["children"]):
        if _running(pid):
            out.append(("process", _command(pid)))
    return out
