"""The test test_across_a.py's marks name."""


def test_x():
    pass


def test_w():
    pass
