import pytest


@pytest.mark.parametrize("i", range(300))
def test_step(i):
    assert i != 55
