"""Tests marked to run alone: nothing overlaps them."""

import time

import pytest


@pytest.mark.isolation
@pytest.mark.parametrize("n", range(6))
def test_alone(n):
    time.sleep(0.8)
