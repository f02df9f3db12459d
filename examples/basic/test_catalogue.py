import time

import pytest


@pytest.mark.parametrize("name,count", [("apple", 3), ("pear", 5), ("plum", 7)])
def test_counts(catalogue, name, count):
    assert catalogue[name] == count


def test_total(catalogue):
    assert sum(catalogue.values()) == 15


@pytest.mark.parametrize("n", range(20))
def test_slow_squares(n):
    time.sleep(0.05)
    assert n * n == n**2


@pytest.mark.skip(reason="shows how skips are reported")
def test_not_today():
    pass


@pytest.mark.xfail(reason="shows how expected failures are reported")
def test_known_bug():
    assert 1 + 1 == 3
