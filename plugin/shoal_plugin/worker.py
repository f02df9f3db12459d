"""Worker mode: a spawned worker, used where forking the session is unsafe.

It walks the suite itself with the same arguments as the session, checks that
it found the same files, then collects and runs what shoal sends.
"""

import pytest

from shoal_plugin import collect, configure, fixtures, logs, marks, start, timeout

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


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    configure.take_over_reporting(config)
    fixtures.register(config)
    marks.register(config)
    timeout.register_marker(config)
    logs.install()
    start.take_identity(start.spec_from_env())


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session):
    # The tmpdir plugin has made its factory by now.
    start.take_basetemp(session.config, start.spec_from_env())


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session):
    _state["inventory"] = collect.collect_session(session)
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    configure.drop_cache_writers(session.config)
    start.spawned(session, _state["inventory"])
    return True
