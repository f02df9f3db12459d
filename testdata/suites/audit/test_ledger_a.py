"""A fixed table of a shared PostgreSQL database (AUDIT_SUITE_DATABASE_URL)."""

import pytest

from hold import ledger, work


@pytest.mark.isolation
def test_ledger_totals(ledger_db):
    ledger(ledger_db, "totals")


@pytest.mark.parametrize("n", range(2))
def test_amounts(n):
    assert n + 0.5 > n
    work(0.02)
