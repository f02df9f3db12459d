"""Pure work. Some of it marked isolation "just in case"."""

import pytest

from hold import work


@pytest.mark.isolation
@pytest.mark.parametrize("n", range(10))
def test_matrix(n):
    rows = [[i * j + n for j in range(30)] for i in range(30)]
    assert sum(map(sum, rows)) >= 0
    work(0.08)


@pytest.mark.isolation
def test_primes():
    primes = [p for p in range(2, 2000) if all(p % d for d in range(2, int(p**0.5) + 1))]
    assert primes[:5] == [2, 3, 5, 7, 11]
    work(0.08)


@pytest.mark.isolation
def test_sorting():
    assert sorted([3, 1, 2]) == [1, 2, 3]
    work(0.08)


@pytest.mark.isolation
def test_strings():
    assert "-".join("abc") == "a-b-c"
    work(0.08)


@pytest.mark.isolation
def test_fibonacci():
    a, b = 0, 1
    for _ in range(50):
        a, b = b, a + b
    assert a == 12586269025
    work(0.08)


@pytest.mark.isolation  # flaky once, long ago
def test_dicts():
    assert dict(zip("ab", (1, 2))) == {"a": 1, "b": 2}
    work(0.08)


@pytest.mark.isolation
def test_sets():
    assert {1, 2} | {3} == {1, 2, 3}
    work(0.08)


@pytest.mark.isolation
def test_floats():
    assert abs(0.1 + 0.2 - 0.3) < 1e-9
    work(0.08)


@pytest.mark.isolation
def test_generators():
    assert sum(x for x in range(10)) == 45
    work(0.08)


@pytest.mark.isolation
def test_bytes():
    assert bytes(range(3)) == b"\x00\x01\x02"
    work(0.08)


@pytest.mark.parametrize("n", range(38))
def test_sum(n):
    assert sum(range(n)) == n * (n - 1) // 2
    work(0.02)


def test_max():
    assert max([1, 5, 3]) == 5
    work(0.02)


def test_min():
    assert min([1, 5, 3]) == 1
    work(0.02)


def test_abs():
    assert abs(-3) == 3
    work(0.02)


def test_round():
    assert round(2.675, 2) in (2.67, 2.68)
    work(0.02)


def test_divmod():
    assert divmod(7, 2) == (3, 1)
    work(0.02)


def test_pow():
    assert pow(2, 10) == 1024
    work(0.02)


def test_zip():
    assert list(zip([1], [2])) == [(1, 2)]
    work(0.02)


def test_enumerate():
    assert list(enumerate("ab")) == [(0, "a"), (1, "b")]
    work(0.02)


def test_reversed():
    assert list(reversed([1, 2])) == [2, 1]
    work(0.02)


def test_any_all():
    assert any([0, 1]) and not all([0, 1])
    work(0.02)
