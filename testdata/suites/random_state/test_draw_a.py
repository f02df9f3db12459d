import time

import pytest


@pytest.mark.parametrize("n", range(3))
def test_draw(n):
    time.sleep(0.05)
