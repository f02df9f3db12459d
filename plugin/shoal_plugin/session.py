"""Session mode: collect (lazily where possible), describe the files, then
become the zygote.

After collection only imports have run (fixtures are lazy), so forking here
gives every worker a ready session in milliseconds. Go decides between
forking and spawning from the thread count reported here: a process with more
than one thread cannot fork safely.
"""

import faulthandler
import gc
import os
import platform
import select
import sys
import threading

import pluggy
import pytest

from shoal_plugin import capture, channel, collect, configure, loop, marks, reports, timeout

__all__ = [
    "pytest_cmdline_main",
    "pytest_configure",
    "pytest_sessionstart",
    "pytest_collection",
    "pytest_collectreport",
    "pytest_deselected",
    "pytest_warning_recorded",
    "pytest_runtestloop",
]

_state = {"config": None, "chan": None, "options": None, "collect_reports": [], "deselected": 0, "inventory": None}


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    configure.neutralise_xdist(config)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    _state["config"] = config
    _state["options"] = configure.options_for_go(config)
    configure.take_run_basetemp(config)
    configure.take_over_reporting(config)
    configure.register_fixtures(config)
    marks.register(config)
    timeout.register_marker(config)


def _header(config):
    line = f"platform {sys.platform} -- Python {platform.python_version()}"
    line += f", pytest-{pytest.__version__}, pluggy-{pluggy.__version__}"
    if config.option.verbose > 0:
        line += " -- " + sys.executable
    lines = [line]
    start = config.invocation_params.dir
    for group in reversed(config.hook.pytest_report_header(config=config, start_path=start)):
        lines.extend([group] if isinstance(group, str) else group)
    return lines


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session):
    config = session.config
    if config.option.collectonly:
        return  # nothing for shoal to run: pytest prints as usual
    chan = channel.connect()
    _state["chan"] = chan
    chan.send(
        {
            "t": "hello",
            "role": "session",
            "protocol": channel.PROTOCOL_VERSION,
            "pid": os.getpid(),
            "python": sys.executable,
            "python_version": platform.python_version(),
            "pytest_version": pytest.__version__,
            "rootdir": str(config.rootpath),
            "invocation_dir": str(config.invocation_params.dir),
            "header": _header(config),
            "options": _state["options"],
        }
    )


def pytest_collectreport(report):
    if not report.passed and _state["chan"] is not None:
        _state["collect_reports"].append(report)


def pytest_deselected(items):
    _state["deselected"] += len(items)


def pytest_warning_recorded(warning_message, when, nodeid, location):
    chan = _state["chan"]
    if chan is not None and _state["config"] is not None:
        chan.send(configure.warning_message(_state["config"], warning_message, when, nodeid, location))


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session):
    chan = _state["chan"]
    if chan is None:
        return None
    config = session.config
    inv = collect.collect_session(session)
    _state["inventory"] = inv
    python_threads = threading.active_count()
    files = inv.describe()
    chan.send(
        {
            "t": "files",
            "lazy": inv.lazy,
            "files": files,
            "digest": inv.digest(),
            "deselected": _state["deselected"],
            "errors": [reports.encode_collect(config, r) for r in _state["collect_reports"]] + inv.mark_errors(),
            "python_threads": python_threads,
            # Native threads that Python did not start (a BLAS pool started by
            # importing numpy) prepare for fork themselves; Python threads may
            # hold locks that a forked child would never see released.
            "can_fork": hasattr(os, "fork") and python_threads == 1,
            "basetemp": str(config._tmp_path_factory.getbasetemp()),
        }
    )
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    chan = _state["chan"]
    if chan is None:
        return None
    configure.drop_cache_writers(session.config)
    spec = _zygote(session, chan)
    if spec is None:
        return True
    _run_forked_worker(session, spec)
    return True


def _zygote(session, chan):
    """Serve shoal's commands until told to exit. Returns a worker spec in a forked child."""
    children = {}
    while True:
        ready, _, _ = select.select([chan], [], [], 0.05)
        if ready or chan.has_line():
            msg = chan.recv()
            if msg is None or msg.get("t") == "exit":
                break
            if msg.get("t") == "fork":
                # Workers then never scan (and so never copy) what they inherit.
                if hasattr(gc, "freeze"):
                    gc.freeze()
                for spec in msg["workers"]:
                    pid = _fork()
                    if pid == 0:
                        chan.close()
                        _state["chan"] = None  # the zygote's, not this worker's
                        return spec
                    children[pid] = spec["id"]
                    chan.send({"t": "forked", "worker": spec["id"], "pid": pid})
        _reap(chan, children)
    return None


def _reap(chan, children):
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        worker = children.pop(pid, None)
        if worker is not None:
            chan.send({"t": "exited", "worker": worker, "pid": pid, "status": _describe(status)})


def _describe(status):
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    return {"code": os.waitstatus_to_exitcode(status)}


def _fork():
    sys.stdout.flush()
    sys.stderr.flush()
    return os.fork()


def _run_forked_worker(session, spec):
    config = session.config
    os.setpgid(0, 0)  # its own process group: shoal can end it with the tests' children
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is not None:
        # Children would otherwise share the zygote's capture files.
        capman.stop_global_capturing()
    _redirect_output(spec["log"])
    _faults_to_log()
    if capman is not None:
        capman.start_global_capturing()
        capman.suspend_global_capture()
    capture.keep(config, spec.get("captured", ""))
    _fresh_random_state()
    loop.become(config, spec)
    chan = channel.connect()
    channel.forget_environment()
    chan.send({"t": "hello", "role": "worker", "worker": spec["id"], "pid": os.getpid()})
    loop.Loop(session, chan, _state["inventory"], stacks=spec.get("stacks", "")).run()


def _fresh_random_state():
    """Give this worker a random state of its own where it inherited one.

    Python's random module reseeds itself in a forked child; numpy's global
    random state, seeded once when the session imported it, does not, so
    every worker would draw the same numbers where separate processes (plain
    pytest, xdist, spawned workers) draw different ones.
    """
    nprandom = sys.modules.get("numpy.random")
    seed = getattr(nprandom, "seed", None)
    if callable(seed):
        seed()


def _faults_to_log():
    """Send faulthandler's reports (a segfault's stacks) to this worker's log.

    pytest points faulthandler at a copy of the session's stderr; shoal shows
    the end of a worker's log when it crashes.
    """
    if faulthandler.is_enabled():
        faulthandler.enable(file=os.dup(2), all_threads=True)


def _redirect_output(path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
