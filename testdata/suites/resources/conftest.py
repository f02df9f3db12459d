"""Resources the tests reach for, the shoal way and the usual way.

Under shoal every worker has its own: free_port, worker_tmp_path,
worker_database_url and its own echo service (SHOAL_SERVICE_ECHO_PORT).
Without shoal the fixtures fall back to what a suite without per-worker
resources does: one fixed port, one fixed directory, one shared database
(RESOURCES_SUITE_DATABASE_URL) and one echo server on a fixed port. The
tests pass either way when run one at a time; run in parallel without
shoal, they collide.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from checks import worker

FIXED_PORT = 18765
FIXED_ECHO_PORT = 18766
HERE = Path(__file__).parent


def _shoal_fixture(request, name):
    try:
        return request.getfixturevalue(name)
    except pytest.FixtureLookupError:
        return None


@pytest.fixture
def port(request):
    """A port to serve on. Logged under $RESOURCES_SUITE_LOG, if set, for
    the integration tests to check that no port was handed out twice."""
    chosen = _shoal_fixture(request, "free_port") or FIXED_PORT
    log = os.environ.get("RESOURCES_SUITE_LOG")
    if log:
        with open(os.path.join(log, "ports-" + worker()), "a") as f:
            f.write("%d\n" % chosen)
    return chosen


@pytest.fixture
def scratch_dir(request):
    """A directory for files that outlive one test."""
    own = _shoal_fixture(request, "worker_tmp_path")
    if own is not None:
        return own
    shared = Path(tempfile.gettempdir()) / "resources-suite"
    shared.mkdir(exist_ok=True)
    return shared


@pytest.fixture
def database_url(request):
    if os.environ.get("SHOAL_DATABASE_URL"):
        return request.getfixturevalue("worker_database_url")
    url = os.environ.get("RESOURCES_SUITE_DATABASE_URL")
    if not url:
        pytest.skip("no database: configure [tool.shoal.database] or set RESOURCES_SUITE_DATABASE_URL")
    return url


@pytest.fixture
def db(database_url):
    psycopg2 = pytest.importorskip("psycopg2")
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def echo_port():
    """The port of this worker's echo service."""
    if os.environ.get("SHOAL_SERVICE_ECHO_PORT"):
        yield int(os.environ["SHOAL_SERVICE_ECHO_PORT"])
        return
    proc = subprocess.Popen([sys.executable, str(HERE / "echo_server.py"), str(FIXED_ECHO_PORT), worker()])
    try:
        deadline = time.time() + 10
        while time.time() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", FIXED_ECHO_PORT), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield FIXED_ECHO_PORT
    finally:
        proc.kill()
        proc.wait()
