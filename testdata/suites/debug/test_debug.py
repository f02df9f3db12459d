"""Tests for the debug mode: one prints, one stops at breakpoint()."""


def test_prints():
    print("printed while running")


def test_break():
    answer = 41
    breakpoint()
    assert answer + 1 == 42
