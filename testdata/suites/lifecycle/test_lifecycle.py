import os
import time

import pytest

import conftest


def test_configure_saw_the_worker_count():
    assert conftest.SEEN["count"] == os.environ.get("PYTEST_XDIST_WORKER_COUNT")


def test_conftest_imported_as_this_worker():
    assert conftest.IMPORTED_AS == os.environ.get("PYTEST_XDIST_WORKER")
    assert conftest.SEEN["worker"] == os.environ.get("PYTEST_XDIST_WORKER")


def test_workerinput(request):
    workerinput = conftest.SEEN["workerinput"]
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        assert workerinput is None
        assert not hasattr(request.config, "workerinput")
        return
    assert workerinput is request.config.workerinput
    assert workerinput["workerid"] == worker
    assert workerinput["workercount"] == int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    assert workerinput["testrunuid"] == os.environ["PYTEST_XDIST_TESTRUNUID"]
    assert workerinput["mainargv"]
    assert workerinput["from_controller"] == "hello " + worker
    assert isinstance(request.config.workeroutput, dict)


@pytest.mark.parametrize("n", range(3))
def test_takes_a_moment(n):
    time.sleep(0.2)
