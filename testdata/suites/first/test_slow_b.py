import time

from conftest import started


def test_slow():
    started("b")
    time.sleep(0.4)
