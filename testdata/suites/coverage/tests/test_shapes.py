import time

import pytest

from pkg import shapes


@pytest.mark.parametrize("kind, a, b, want", [("square", 2, None, 4), ("rectangle", 2, 3, 6)])
def test_area(kind, a, b, want):
    time.sleep(0.1)
    assert shapes.area(kind, a, b) == want


def test_area_unknown():
    with pytest.raises(ValueError):
        shapes.area("hexagon", 1)


def test_perimeter_square():
    time.sleep(0.1)
    assert shapes.perimeter("square", 3) == 12
