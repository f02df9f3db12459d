"""Passes, failures and a skip whose outcomes .pytest_cache keeps
(integration/cache_test.go); FIXED=1 makes the failures pass."""

import os

import pytest

fixed = os.environ.get("FIXED") == "1"


def test_ok():
    pass


def test_bad():
    assert fixed


def test_bad2():
    assert fixed


@pytest.mark.skip
def test_skip():
    pass
