"""Tests that touch nothing shared."""

import pytest


@pytest.mark.parametrize("n", range(6))
def test_plain(n):
    assert n >= 0
