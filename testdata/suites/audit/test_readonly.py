"""Reading a file of the project that no test writes."""

import pytest

from hold import ROOT, work


def rows():
    return (ROOT / "data" / "fixtures.csv").read_text().splitlines()


@pytest.mark.isolation
@pytest.mark.parametrize("n", range(4))
def test_fixture_rows(n):
    assert rows()[0] == "name,weight"
    work(0.08)


@pytest.mark.parametrize("n", range(6))
def test_fixture_weights(n):
    assert len(rows()) == 3
    work(0.02)
