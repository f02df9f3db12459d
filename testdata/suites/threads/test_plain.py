import pytest


@pytest.mark.parametrize("n", [1, 2, 3])
def test_plain(n):
    assert n < 3


@pytest.mark.xfail(reason="expected to fail", strict=False)
def test_xfail():
    assert False
