"""pytest-order's marks that name a test of another file order this module:
test_2 before test_across_b.py::test_x, test_1 after it. Collected one file
at a time, pytest-order would not find that test and keep them as written."""

import pytest

pytest.importorskip("pytest_order")

ran = []


@pytest.mark.order(after="test_across_b.py::test_x")
def test_1():
    ran.append(1)


@pytest.mark.order(before="test_across_b.py::test_x")
def test_2():
    ran.append(2)


@pytest.mark.order(-1)
def test_3():
    assert ran == [2, 1]
