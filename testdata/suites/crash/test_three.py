import pytest


@pytest.mark.parametrize("n", range(4))
def test_three(n):
    pass
