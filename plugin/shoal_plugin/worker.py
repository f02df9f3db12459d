"""Worker mode: a spawned worker, used where forking the session is unsafe.

It walks the suite itself with the same arguments as the session, checks that
it found the same files, then collects and runs what shoal sends.
"""

import os

import pytest

from shoal_plugin import capture, channel, collect, configure, loop, marks, timeout

__all__ = [
    "pytest_cmdline_main",
    "pytest_configure",
    "pytest_sessionstart",
    "pytest_collection",
    "pytest_runtestloop",
]

_state = {"inventory": None}


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    configure.neutralise_xdist(config)


def _spec():
    return {
        "id": os.environ["SHOAL_WORKER"],
        "count": int(os.environ["SHOAL_WORKER_COUNT"]),
        "uid": os.environ.get("PYTEST_XDIST_TESTRUNUID", ""),
        "basetemp": os.environ.get("SHOAL_BASETEMP", ""),
        "stacks": os.environ.get("SHOAL_STACKS", ""),
        "captured": os.environ.get("SHOAL_CAPTURED", ""),
    }


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    configure.take_over_reporting(config)
    configure.register_fixtures(config)
    marks.register(config)
    timeout.register_marker(config)
    loop.take_identity(_spec())


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session):
    # The tmpdir plugin has made its factory by now.
    loop.take_basetemp(session.config, _spec())


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session):
    _state["inventory"] = collect.collect_session(session)
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    configure.drop_cache_writers(session.config)
    inv = _state["inventory"]
    spec = _spec()
    capture.keep(session.config, spec["captured"])
    chan = channel.connect()
    channel.forget_environment()
    chan.send(
        {
            "t": "hello",
            "role": "worker",
            "worker": os.environ["SHOAL_WORKER"],
            "pid": os.getpid(),
            "digest": inv.digest(),
        }
    )
    loop.Loop(session, chan, inv, stacks=spec["stacks"]).run()
    return True
