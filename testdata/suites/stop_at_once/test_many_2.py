"""Many short tests, for whichever worker is not failing."""

import time

import pytest


@pytest.mark.parametrize("n", range(200))
def test_short(n):
    time.sleep(0.005)
