"""500 quick tests: a few fail, a few skip, a few print."""

import pytest


@pytest.mark.parametrize("n", range(500))
def test_quick(n):
    if n % 250 == 1:
        print("output of test", n)
    if n % 100 == 7:
        pytest.skip("skipped on purpose")
    assert n % 200 != 13, "fails on purpose"
