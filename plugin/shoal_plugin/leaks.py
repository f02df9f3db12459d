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
    """Which modules are the project's: files under its roots, not installed packages in them."""

    def __init__(self):
        self.roots = ()
        self._known = {}  # module name -> bool, for the current roots
        self._count = -1
        self._list = []

    def add_root(self, root):
        root = os.path.abspath(root) + os.sep
        if root not in self.roots:
            self.roots = self.roots + (root,)
            self._known = {}
            self._count = -1

    def current(self):
        """[(name, module)] of the project's modules; recomputed when sys.modules grows."""
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
                out.append((name, mod))
        for name in _PATCHED:
            mod = mods.get(name)
            if mod is not None and not self._known.get(name):
                out.append((name, mod))
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


def _module_print(mod):
    """The fingerprint of one module's state; None for a module without a dict."""
    try:
        d = mod.__dict__
        values = list(d.values())
    except Exception:
        return None
    sizes = []
    classes = []
    name = mod.__dict__.get("__name__")
    for v in values:
        t = type(v)
        if t in _CONTAINERS or isinstance(v, _CONTAINERS):
            try:
                n = len(v)
                if n <= _SMALL and not isinstance(v, set):
                    items = v.values() if isinstance(v, dict) else v
                    sizes.append((n, tuple(map(id, items))))
                else:
                    sizes.append(n)
            except Exception:
                sizes.append(None)
        elif t is type and getattr(v, "__module__", None) == name:
            try:
                classes.append(tuple(map(id, vars(v).values())))
            except Exception:
                pass
    return (tuple(d.keys()), tuple(map(id, values)), tuple(sizes), tuple(classes))


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
        "sys.modules": {k: id(v) for k, v in sys.modules.items()},
        "modules": {name: _module_print(mod) for name, mod in modules},
        "signals": tuple(id(signal.getsignal(s)) for s in _SIGNALS),
        "socket timeout": socket.getdefaulttimeout(),
        "logging": _logging(),
        "locale": _locale(),
        "recursion limit": sys.getrecursionlimit(),
        "threads": {t.ident: t.name for t in threading.enumerate()},
        "children": _children(),
    }


def _changed_names(mod, before_keys, before_ids):
    now = mod.__dict__
    was = dict(zip(before_keys, before_ids))
    names = [k for k, v in list(now.items()) if k not in was or was[k] != id(v)]
    names += [k for k in before_keys if k not in now]
    return names


def _module_leaks(before, after, modules):
    out = []
    by_name = dict(modules)
    for name, now in after.items():
        was = before.get(name)
        if was is None or now is None or was == now:
            continue
        mod = by_name.get(name)
        if was[0] != now[0] or was[1] != now[1]:
            names = _changed_names(mod, was[0], was[1]) if mod is not None else []
            names = [n for n in names if not (n.startswith("__") and n.endswith("__"))]
            for n in names[:5]:
                out.append(("module", "%s.%s rebound" % (name, n)))
            if not names:
                continue
        elif was[2] != now[2]:
            out.append(("module", "%s: a global list, dict or set changed" % name))
        elif was[3] != now[3]:
            out.append(("module", "%s: a class attribute changed" % name))
    return out


def diff(before, after, modules):
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
    mods_b, mods_a = before["sys.modules"], after["sys.modules"]
    gone = [k for k, v in mods_b.items() if mods_a.get(k) != v]
    if gone:
        out.append(("sys", "sys.modules entries removed or replaced: %s" % ", ".join(sorted(gone)[:5])))
    out.extend(_module_leaks(before["modules"], after["modules"], modules))
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
