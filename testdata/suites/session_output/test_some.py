import time


def test_slow():
    time.sleep(0.3)


def test_slower():
    time.sleep(0.4)


def test_quick():
    pass


def test_fails():
    assert 1 == 2
