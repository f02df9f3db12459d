"""The fixtures shoal gives tests: the worker's identity and what it owns.

worker_id and testrun_uid are pytest-xdist's. shoal also gives every worker
its own temporary directory, block of ports and database, and tells it where
they are in environment variables (SHOAL_WORKER_TMP, SHOAL_PORT_RANGE,
SHOAL_DATABASE_URL); worker_tmp_path, free_port and worker_database_url read
them. Run by plain pytest, those fail saying so.
"""

import os
import socket
from pathlib import Path

import pytest


def _from_env(name, fixture, hint):
    value = os.environ.get(name)
    if not value:
        pytest.fail("%s: %s is not set: %s" % (fixture, name, hint), pytrace=False)
    return value


def _port_range():
    text = _from_env("SHOAL_PORT_RANGE", "free_port", "run the tests with shoal run")
    lo, hi = text.split("-")
    return int(lo), int(hi)


def _bindable(port):
    """Whether a server could listen on port now, on every IPv4 address.

    No SO_REUSEADDR, as a plain server binds: a port that a closed
    connection still holds (TIME_WAIT) counts as taken.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("", port))
        return True
    except OSError:
        return False
    finally:
        sock.close()


def _cursor_file():
    # Next to worker_tmp_path, in shoal's directory for this worker, so that
    # a worker replaced after a crash goes on where the crashed one stopped.
    return Path(_from_env("SHOAL_WORKER_TMP", "free_port", "run the tests with shoal run")).parent / "free_port"


def next_free_port():
    """The next port of this worker's range that is free to bind now.

    Ports only go forward, so no port is handed out twice in a run.
    """
    lo, hi = _port_range()
    cursor = _cursor_file()
    try:
        start = max(lo, int(cursor.read_text()))
    except (OSError, ValueError):
        start = lo
    for port in range(start, hi + 1):
        if _bindable(port):
            cursor.write_text(str(port + 1))
            return port
    cursor.write_text(str(hi + 1))
    pytest.fail(
        "free_port: worker %s has handed out or found busy every port of its range %d-%d; "
        "raise [tool.shoal.ports] size" % (os.environ.get("SHOAL_WORKER", "?"), lo, hi),
        pytrace=False,
    )


class ResourceFixtures:
    @pytest.fixture(scope="session")
    def worker_tmp_path(self):
        """A directory of this worker's own for the whole run, removed after it."""
        return Path(_from_env("SHOAL_WORKER_TMP", "worker_tmp_path", "run the tests with shoal run"))

    @pytest.fixture
    def free_port(self):
        """A port of this worker's block, free to bind now, never handed out before in the run."""
        return next_free_port()

    @pytest.fixture(scope="session")
    def worker_database_url(self):
        """The URL of this worker's own database, a copy of the template."""
        return _from_env(
            "SHOAL_DATABASE_URL",
            "worker_database_url",
            "configure the template under [tool.shoal.database] url in pyproject.toml",
        )


class XdistFixtures:
    """worker_id and testrun_uid as pytest-xdist defines them.

    Registered after pytest-xdist's plugin, so these win where both exist.
    """

    @pytest.fixture(scope="session")
    def worker_id(self):
        return os.environ.get("PYTEST_XDIST_WORKER", "master")

    @pytest.fixture(scope="session")
    def testrun_uid(self):
        return os.environ.get("PYTEST_XDIST_TESTRUNUID", "")


def register(config):
    config.pluginmanager.register(XdistFixtures(), "shoal-fixtures")
    config.pluginmanager.register(ResourceFixtures(), "shoal-resource-fixtures")
