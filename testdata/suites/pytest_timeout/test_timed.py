"""Tests for pytest-timeout: a marker's limit, --timeout's, and one in time."""

import time

import pytest


@pytest.mark.timeout(1)
def test_marked():
    time.sleep(5)


def test_plain():
    time.sleep(5)


def test_quick():
    pass
