"""Worker mode: a spawned worker, used where forking the session is unsafe.

It collects the suite itself (with the same arguments as the session), checks
that it found the same items, then runs what shoal sends.
"""

import hashlib
import os

import pytest

from shoal_plugin import channel, configure, loop

__all__ = ["pytest_cmdline_main", "pytest_configure", "pytest_runtestloop"]


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    configure.neutralise_xdist(config)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    configure.take_over_reporting(config)
    configure.register_fixtures(config)
    spec = {
        "id": os.environ["SHOAL_WORKER"],
        "count": int(os.environ["SHOAL_WORKER_COUNT"]),
        "uid": os.environ.get("PYTEST_XDIST_TESTRUNUID", ""),
        "basetemp": os.environ.get("SHOAL_BASETEMP", ""),
    }
    loop.become(config, spec)


def collection_digest(items):
    h = hashlib.sha256()
    for item in items:
        h.update(item.nodeid.encode("utf-8", "surrogateescape"))
        h.update(b"\n")
    return h.hexdigest()


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    configure.drop_cache_writers(session.config)
    chan = channel.connect()
    channel.forget_environment()
    chan.send(
        {
            "t": "hello",
            "role": "worker",
            "worker": os.environ["SHOAL_WORKER"],
            "pid": os.getpid(),
            "count": len(session.items),
            "digest": collection_digest(session.items),
        }
    )
    loop.Loop(session, chan).run()
    return True
