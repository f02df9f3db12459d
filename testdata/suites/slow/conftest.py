"""test_long runs until the test driving the run says it has seen what it
waits for on shoal's output, by making the file go in $SHOAL_IT_DIR.
Without $SHOAL_IT_DIR (plain pytest) it passes at once."""

import os
import time

import pytest


def _wait_for(name):
    d = os.environ.get("SHOAL_IT_DIR")
    if not d:
        return
    for _ in range(600):
        if os.path.exists(os.path.join(d, name)):
            return
        time.sleep(0.1)
    pytest.fail(name + " never came: the run's output did not show what it should while test_long ran")


def _mark(name):
    d = os.environ.get("SHOAL_IT_DIR")
    if d:
        open(os.path.join(d, name), "w").close()


@pytest.fixture
def wait_for():
    return _wait_for


@pytest.fixture
def mark():
    return _mark
