import os


def test_b1():
    pass


def test_b2():
    assert os.environ.get("FIXED") == "1"
