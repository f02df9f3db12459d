import time

import pytest


@pytest.mark.parametrize("i", range(6))
def test_filler(i):
    time.sleep(0.05)
