"""A test that hangs, then many short ones: integration/interrupt_test.go
interrupts a run of this file once the hanging test's child is there."""

import time

import pytest

from orphans import leave_child


def test_hang():
    leave_child()
    time.sleep(120)


@pytest.mark.parametrize("n", range(30))
def test_quick(n):
    time.sleep(0.2)
