def test_quick():
    pass


def test_right_after():
    """Its result comes a moment after test_quick's, then nothing until
    test_long ends: it must show at once all the same."""


def test_long(mark, wait_for):
    mark("started")
    wait_for("go")
