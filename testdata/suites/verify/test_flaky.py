"""A flaky test: it fails every second time it runs, whatever ran before."""

import planted


def test_sometimes():
    assert planted.attempt("test_sometimes") % 2 == 1, "failed on an even attempt"
