import pytest


@pytest.mark.parametrize("n", [1, 2, 3])
def test_foxtrot(n):
    assert n > 0
