"""A test that fails on every attempt."""


def test_fails_always(attempt):
    n = attempt("always")
    assert n < 0, "attempt %d" % n
