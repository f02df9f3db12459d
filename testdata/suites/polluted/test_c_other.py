"""Tests that touch nothing shared."""


def test_more():
    assert True


def test_last():
    assert True
