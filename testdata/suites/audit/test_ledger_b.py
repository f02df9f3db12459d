"""The same table, from a test nobody marked."""

import pytest

from hold import ledger, work


def test_ledger_import(ledger_db):
    ledger(ledger_db, "import")


@pytest.mark.parametrize("n", range(2))
def test_currencies(n):
    assert ["EUR", "USD"][n]
    work(0.02)
