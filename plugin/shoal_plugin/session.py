"""Session mode: collect (lazily where possible), describe the files, then
serve as the fork server (zygote.py) until shoal says the run is over.

A child forked here leaves the fork server with its spec and becomes a
worker (start.py) in this same pytest_runtestloop.
"""

import os
import platform
import sys
import threading

import pluggy
import pytest

from shoal_plugin import cache, channel, collect, configure, fixtures, logs, marks, reports, start, timeout, zygote

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
    configure.check_options(config)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    _state["config"] = config
    _state["options"] = configure.options_for_go(config)
    configure.take_run_basetemp(config)
    configure.take_over_reporting(config)
    fixtures.register(config)
    marks.register(config)
    timeout.register_marker(config)
    logs.install()


def _header(config):
    line = f"platform {sys.platform} -- Python {platform.python_version()}"
    line += f", pytest-{pytest.__version__}, pluggy-{pluggy.__version__}"
    if config.option.verbose > 0:
        line += " -- " + sys.executable
    lines = [line]
    where = config.invocation_params.dir
    for group in reversed(config.hook.pytest_report_header(config=config, start_path=where)):
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
        chan.send(reports.warning_message(_state["config"], warning_message, when, nodeid, location))


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
    spec = zygote.serve(chan)
    if spec is None or spec.get("t") == "exit":
        cache.record(session.config, (spec or {}).get("results") or {})
        return True
    _state["chan"] = None  # the zygote's, closed in this child
    start.forked(session, _state["inventory"], spec)
    return True
