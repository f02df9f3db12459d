"""Stable tests: they pass in any order, alone or beside anything."""

import time

import pytest


@pytest.mark.parametrize("n", range(4))
def test_square(n):
    time.sleep(0.05)
    assert n * n >= n


def test_sum():
    assert sum(range(5)) == 10


def test_tmp_path_is_private(tmp_path):
    (tmp_path / "out.txt").write_text("mine")
    time.sleep(0.1)
    assert (tmp_path / "out.txt").read_text() == "mine"
