import time

from conftest import started


def test_slow():
    started("c")
    time.sleep(0.4)
