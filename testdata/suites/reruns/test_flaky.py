"""pytest-rerunfailures' flaky marker: a test that passes on its third
attempt, one that fails on every attempt, and an ordinary test. The
attempts are counted in the worker's process, where the plugin reruns them."""

import pytest

ATTEMPTS = {}


def attempt(name):
    ATTEMPTS[name] = ATTEMPTS.get(name, 0) + 1
    return ATTEMPTS[name]


@pytest.mark.flaky(reruns=2)
def test_passes_on_third_attempt():
    assert attempt("third") == 3


@pytest.mark.flaky(reruns=1)
def test_fails_every_time():
    assert attempt("every") == 0


def test_plain():
    pass
