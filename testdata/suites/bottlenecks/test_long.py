"""One test far longer than a worker's even share of the suite's work."""

import time


def test_long():
    time.sleep(16)
