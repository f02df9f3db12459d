"""Logs every module set-up per worker, for --maxfail checks.

Each set-up of a test module appends "module FILE" to the file named by
PYTEST_XDIST_WORKER in the directory SHOAL_IT_SETUPS. Without
SHOAL_IT_SETUPS nothing is written.
"""

import os

import pytest


@pytest.fixture(scope="module", autouse=True)
def module_setup(request):
    d = os.environ.get("SHOAL_IT_SETUPS", "")
    if d:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
        with open(os.path.join(d, worker), "a", encoding="utf-8") as f:
            f.write("module " + request.node.name + "\n")
    yield
