"""Tests marked to run alone: nothing overlaps them."""

import time

import pytest


@pytest.mark.isolation
@pytest.mark.parametrize("n", range(8))
def test_alone(n):
    time.sleep(1.25)
