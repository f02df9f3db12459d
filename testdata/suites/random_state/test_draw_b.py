import pytest


@pytest.mark.parametrize("n", range(3))
def test_draw(n, draw):
    draw()
