"""What a running test touches, seen through one audit hook (PEP 578).

The hook is installed once, when the trace module loads, and forked
workers inherit it. It costs one dictionary lookup per event until a test
runs; then file, socket, process, environment, cwd and SQLite events are
written into every footprint in ``SINKS``: the running test's and those of
the non-function fixtures being set up.

Two filters keep the footprint about the test: paths under the private
roots (the run's directory: each worker's TMPDIR, basetemp and
worker_tmp_path) and ports of the worker's own block are only counted; and
an event whose nearest caller outside the standard library is pytest,
pluggy, the import system or this plugin is pytest's own work (capture
files, tmp_path, logging) and is dropped. Environment and cwd changes are
kept whoever makes them: monkeypatch's are restored, which the leak
snapshot then shows.
"""

import os
import sys
import sysconfig

# The footprints that receive events now. The trace module owns it.
SINKS = []

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_SKIP_ENV = frozenset(["PYTEST_CURRENT_TEST"])
_busy = [False]


class Footprint:
    """What one test (or one fixture) touched."""

    def __init__(self):
        self.files = {}  # path -> [set of ops, where]
        self.ports = {}  # (op, proto, port) -> [host, where]
        self.env = {}  # name -> where
        self.cwd = None  # where the first chdir came from ("" when unknown)
        self.processes = {}  # command -> where
        self.sql = {}  # (database, private) -> {"statements": [...], "at": where}
        self.private = {}  # kind -> count

    def file(self, path, op, where):
        entry = self.files.get(path)
        if entry is None:
            self.files[path] = [{op}, where]
        else:
            entry[0].add(op)

    def count(self, kind):
        self.private[kind] = self.private.get(kind, 0) + 1

    def merge(self, other):
        for path, (ops, where) in other.files.items():
            for op in ops:
                self.file(path, op, where)
        for key, value in other.ports.items():
            self.ports.setdefault(key, value)
        for name, where in other.env.items():
            self.env.setdefault(name, where)
        if self.cwd is None:
            self.cwd = other.cwd
        for cmd, where in other.processes.items():
            self.processes.setdefault(cmd, where)
        for key, entry in other.sql.items():
            mine = self.sql.setdefault(key, {"statements": [], "at": entry["at"]})
            for stmt in entry["statements"]:
                if stmt not in mine["statements"]:
                    mine["statements"].append(stmt)
        for kind, n in other.private.items():
            self.private[kind] = self.private.get(kind, 0) + n


class Scope:
    """Where the paths and frames of this worker belong; set before each test."""

    def __init__(self):
        self.private = ()  # (prefix with trailing sep, kind)
        self.ports = (0, -1)
        self.project = ()  # prefixes of the project's files, with trailing sep
        self.test_file = ""  # the running test's file
        self.ignored = tuple(p + os.sep for p in ("/proc", "/sys", "/dev"))


SCOPE = Scope()


def _dirs_of(*modules):
    out = []
    for name in modules:
        mod = sys.modules.get(name)
        path = getattr(mod, "__file__", None)
        if path:
            out.append(os.path.dirname(os.path.abspath(path)) + os.sep)
    return tuple(out)


_TOOLS = _dirs_of("_pytest", "pluggy", "shoal_plugin", "py") + ("<frozen importlib",)
_STDLIB = tuple(
    sorted({os.path.abspath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib")})
)
_OWN = set()  # this plugin's files that sit between an event and its source
_kinds = {}


def own(filename):
    """Frames of filename are skipped when looking for an event's source."""
    _OWN.add(filename)


def _kind(filename):
    kind = _kinds.get(filename)
    if kind is None:
        if filename.startswith(_TOOLS):
            kind = "tool"
        elif filename.startswith("<") or (filename.startswith(_STDLIB) and "-packages" not in filename):
            kind = "std"
        else:
            kind = "user"
        _kinds[filename] = kind
    return kind


def origin(through_tools=False):
    """Where the event being handled comes from, as "path:line" (the nearest
    frame in the project, else the nearest outside the standard library);
    None when pytest, the import system or this plugin caused it, unless
    through_tools says to look past them (monkeypatch.setenv in a test)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename in _OWN:
        f = f.f_back
    actor = ""
    while f is not None:
        name = f.f_code.co_filename
        kind = _kind(name)
        if kind == "tool" and not through_tools:
            return None if not actor else actor
        if kind == "user":
            here = "%s:%d" % (name, f.f_lineno)
            if name.startswith(SCOPE.project):
                return here + _called_from(f, name)
            if not actor:
                actor = here
        f = f.f_back
    return actor


def _called_from(f, name):
    """", called from <the test's file:line>" where the project frame that
    did it is a helper outside the test's file."""
    if not SCOPE.test_file or name == SCOPE.test_file:
        return ""
    f = f.f_back
    while f is not None:
        if f.f_code.co_filename == SCOPE.test_file:
            return ", called from %s:%d" % (SCOPE.test_file, f.f_lineno)
        f = f.f_back
    return ""


def _path(path):
    path = os.fsdecode(os.fspath(path))
    if not os.path.isabs(path):
        path = os.path.join(os.getcwd(), path)
    return os.path.normpath(path)


def _private(path):
    if path.startswith(SCOPE.ignored):
        return "system"
    probe = path + os.sep
    for prefix, kind in SCOPE.private:
        if probe.startswith(prefix):
            return kind
    return None


def record_file(path, op):
    try:
        path = _path(path)
    except (TypeError, ValueError, OSError):
        return
    kind = _private(path)
    if kind is not None:
        if kind != "system":
            for fp in SINKS:
                fp.count(kind)
        return
    where = origin()
    if where is None:
        return
    for fp in SINKS:
        fp.file(path, op, where)


def _open(args):
    path, mode, flags = args
    if isinstance(path, int):
        return  # an fd that is open already
    if isinstance(mode, str):
        write = any(c in mode for c in "wax+")
    else:
        write = bool((flags or 0) & _WRITE_FLAGS)
    record_file(path, "write" if write else "read")


def _first(op):
    def handler(args):
        dir_fd = args[-1] if len(args) > 1 else None
        if isinstance(dir_fd, int) and dir_fd >= 0:
            return  # relative to a directory fd (shutil.rmtree's walk): the tree's event says it
        record_file(args[0], op)

    return handler


def _two(op_src, op_dst):
    def handler(args):
        record_file(args[0], op_src)
        record_file(args[1], op_dst)

    return handler


def _socket(op):
    def handler(args):
        sock, addr = args[0], args[1]
        if isinstance(addr, (str, bytes)):
            if addr and addr[:1] not in ("\0", b"\0"):
                record_file(addr, "bind" if op == "bind" else "connect")
            return
        if not isinstance(addr, tuple) or len(addr) < 2 or not isinstance(addr[1], int):
            return
        host, port = addr[0], addr[1]
        if port == 0:
            if op == "bind":
                for fp in SINKS:
                    fp.count("port 0")
            return
        lo, hi = SCOPE.ports
        if lo <= port <= hi:
            for fp in SINKS:
                fp.count("own port")
            return
        where = origin()
        if where is None:
            return
        proto = "udp" if getattr(sock, "type", None) == _DGRAM else "tcp"
        for fp in SINKS:
            fp.ports.setdefault((op, proto, port), [str(host), where])

    return handler


def _env(args):
    name = os.fsdecode(args[0])
    if name in _SKIP_ENV:
        return
    where = origin(through_tools=True)
    for fp in SINKS:
        fp.env.setdefault(name, where)


def _chdir(args):
    where = origin(through_tools=True)
    for fp in SINKS:
        if fp.cwd is None:
            fp.cwd = where


def _process(describe):
    def handler(args):
        where = origin()
        if where is None:
            return
        try:
            cmd = describe(args)
        except Exception:
            cmd = "?"
        if isinstance(cmd, bytes):
            cmd = os.fsdecode(cmd)
        if isinstance(cmd, (list, tuple)):
            cmd = " ".join(os.fsdecode(os.fspath(a)) if isinstance(a, (str, bytes, os.PathLike)) else str(a) for a in cmd)
        cmd = str(cmd)[:200]
        for fp in SINKS:
            fp.processes.setdefault(cmd, where)

    return handler


def _sqlite(args):
    database = args[0]
    if isinstance(database, (bytes, os.PathLike)):
        database = os.fsdecode(os.fspath(database))
    if not isinstance(database, str) or database in ("", ":memory:"):
        return
    if database.startswith("file:"):
        if "mode=memory" in database:
            return
        database = database[5:].split("?", 1)[0]
    record_file(database, "sqlite")


try:
    import socket as _socket_mod

    _DGRAM = _socket_mod.SOCK_DGRAM
except ImportError:  # pragma: no cover
    _DGRAM = None

HANDLERS = {
    "open": _open,
    "os.remove": _first("remove"),
    "os.rmdir": _first("remove"),
    "os.mkdir": _first("mkdir"),
    "os.rename": _two("remove", "write"),
    "os.truncate": lambda a: None if isinstance(a[0], int) else record_file(a[0], "write"),
    "os.chmod": lambda a: None if isinstance(a[0], int) else record_file(a[0], "chmod"),
    "os.chown": lambda a: None if isinstance(a[0], int) else record_file(a[0], "chmod"),
    "os.utime": lambda a: None if isinstance(a[0], int) else record_file(a[0], "chmod"),
    "os.link": _two("read", "write"),
    "os.symlink": lambda a: record_file(a[1], "write"),
    "os.listdir": lambda a: None if isinstance(a[0], int) else record_file(a[0] if a[0] is not None else ".", "list"),
    "os.scandir": lambda a: None if isinstance(a[0], int) else record_file(a[0] if a[0] is not None else ".", "list"),
    "shutil.rmtree": lambda a: record_file(a[0], "remove"),
    "shutil.copyfile": _two("read", "write"),
    "shutil.copytree": _two("read", "write"),
    "shutil.move": _two("remove", "write"),
    "tempfile.mkstemp": lambda a: record_file(a[0], "write"),
    "tempfile.mkdtemp": lambda a: record_file(a[0], "mkdir"),
    "socket.bind": _socket("bind"),
    "socket.connect": _socket("connect"),
    "os.putenv": _env,
    "os.unsetenv": _env,
    "os.chdir": _chdir,
    "subprocess.Popen": _process(lambda a: a[1] if a[1] is not None else a[0]),
    "os.system": _process(lambda a: a[0]),
    "os.posix_spawn": _process(lambda a: a[1]),
    "os.exec": _process(lambda a: a[1]),
    "os.fork": _process(lambda a: "fork()"),
    "sqlite3.connect": _sqlite,
}


def hook(event, args):
    if not SINKS or _busy[0]:
        return
    handler = HANDLERS.get(event)
    if handler is None:
        return
    _busy[0] = True
    try:
        handler(args)
    except Exception:
        pass  # an audit hook must never make the operation fail
    finally:
        _busy[0] = False


own(__file__)
