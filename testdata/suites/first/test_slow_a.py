import time

from conftest import started


def test_slow():
    started("a")
    time.sleep(0.4)
