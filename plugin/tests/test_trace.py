"""The trace mode's parts: what the audit hook records, what a snapshot
sees a test leave behind, and where a marker is written."""

import importlib.util
import os
import socket
import sys
import types

import pytest

from shoal_plugin import leaks, sites, touch


@pytest.fixture
def sink(tmp_path):
    """A footprint receiving events, with tmp_path/private as private."""
    if not getattr(touch, "_installed_for_tests", False):
        sys.addaudithook(touch.hook)  # hooks cannot be removed: inert without sinks
        touch._installed_for_tests = True
    scope = touch.SCOPE.private, touch.SCOPE.ports
    touch.SCOPE.private = ((str(tmp_path / "private") + os.sep, "tmp_path"),)
    touch.SCOPE.ports = (40000, 40099)
    fp = touch.Footprint()
    touch.SINKS.append(fp)
    yield fp
    touch.SINKS[:] = []
    touch.SCOPE.private, touch.SCOPE.ports = scope


def test_files_shared_and_private(sink, tmp_path):
    (tmp_path / "private").mkdir()
    (tmp_path / "shared.txt").write_text("x")
    (tmp_path / "shared.txt").read_text()
    (tmp_path / "private" / "own.txt").write_text("x")
    os.remove(tmp_path / "shared.txt")
    (tmp_path / "made").mkdir()
    shared = str(tmp_path / "shared.txt")
    touch.SINKS[:] = []
    assert sink.files[shared][0] == {"write", "read", "remove"}
    assert sink.files[str(tmp_path / "made")][0] == {"mkdir"}
    assert sink.files[shared][1].startswith(__file__ + ":")
    assert not any("own.txt" in p for p in sink.files)
    assert sink.private["tmp_path"] >= 1


def test_ports_fixed_own_and_zero(sink):
    for port in (0, 40001):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            pass  # taken: the attempt is what counts
        s.close()
    fixed = socket.socket()
    try:
        fixed.bind(("127.0.0.1", 0))
        port = fixed.getsockname()[1]
    finally:
        fixed.close()
    c = socket.socket()
    try:
        c.connect(("127.0.0.1", port))
    except OSError:
        pass
    c.close()
    touch.SINKS[:] = []
    assert list(sink.ports) == [("connect", "tcp", port)]
    assert sink.private == {"port 0": 2, "own port": 1}


def test_environment_and_processes(sink, monkeypatch):
    monkeypatch.setenv("TRACE_TEST_VAR", "1")
    os.system("true")
    touch.SINKS[:] = []
    assert "TRACE_TEST_VAR" in sink.env
    assert list(sink.processes) == ["true"]


def _load(tmp_path, name, text):
    path = tmp_path / (name + ".py")
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_snapshot_sees_public_state_only(tmp_path):
    mod = _load(tmp_path, "trace_state_mod", "REGISTRY = []\nMODE = 'a'\n_cache = {}\nclass Conf:\n    level = 1\n")
    try:
        modules = leaks.Modules()
        modules.add_root(str(tmp_path))
        before = leaks.snapshot(modules)
        mod.REGISTRY.append("x")
        mod._cache["k"] = 1  # a module's own cache
        mod.LATER = 1  # added, not changed
        mod.Conf.level = 2
        os.environ["TRACE_TEST_LEAK"] = "1"
        after = leaks.snapshot(modules)
    finally:
        os.environ.pop("TRACE_TEST_LEAK", None)
        del sys.modules["trace_state_mod"]
    assert sorted(leaks.diff(before, after)) == [
        ("env", "TRACE_TEST_LEAK"),
        ("module", "trace_state_mod.Conf.level rebound"),
        ("module", "trace_state_mod.REGISTRY changed in place"),
    ]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")
def test_sites_of_decorators(tmp_path):
    mod = _load(
        tmp_path,
        "trace_sites_mod",
        "import pytest\n\n"
        "@pytest.mark.serial('port:1')\n"
        "class TestA:\n"
        "    @pytest.mark.parametrize('n', [1])\n"
        "    @pytest.mark.serial  # why\n"
        "    def test_x(self, n):\n"
        "        pass\n",
    )
    del sys.modules["trace_sites_mod"]
    item = types.SimpleNamespace(function=mod.TestA.test_x, iter_markers=lambda name: [])
    got = [(s["scope"], s["line"], s["col"], s["end_col"], s["name_end"], s["keys"]) for s in sites.find(item, "serial")]
    assert got == [("class", 3, 1, 29, [3, 19], ["port:1"]), ("function", 6, 5, 23, [6, 23], [])]
