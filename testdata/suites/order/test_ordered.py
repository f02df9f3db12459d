"""pytest-order's marks reorder the module; that order is the one to keep."""

import pytest

pytest.importorskip("pytest_order")

ran = []


@pytest.mark.order(3)
def test_last():
    assert ran == ["first", "second"]


@pytest.mark.order(2)
def test_second():
    ran.append("second")


@pytest.mark.order(1)
def test_first():
    ran.append("first")
