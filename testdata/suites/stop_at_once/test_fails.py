"""A test that fails, then tears down for 2 s: its report reaches shoal only
after that, while the other worker has many tests left. It writes the time
it fails to $SHOAL_IT_FAILED_AT."""

import os
import time

import pytest


@pytest.fixture
def slow_teardown():
    yield
    time.sleep(2)


def test_quick():
    pass


def test_fails(slow_teardown):
    with open(os.environ["SHOAL_IT_FAILED_AT"], "w") as f:
        f.write(repr(time.time()))
    assert 1 == 0
