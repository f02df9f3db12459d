"""Victim of a module-state polluter (test_promotions.py): it assumes no
discount is set. It passes in collection order, which runs it first."""

import planted


def test_list_price():
    assert 100 - planted.DISCOUNT == 100


def test_currency():
    assert "EUR".lower() == "eur"
