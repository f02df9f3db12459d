"""Ordinary tests that spread over the workers."""

import time

import pytest


@pytest.mark.parametrize("n", range(8))
def test_work(n):
    time.sleep(0.25)
