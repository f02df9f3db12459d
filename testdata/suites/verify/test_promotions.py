"""Pollutes module state: sets a discount and never puts it back."""

import planted


def test_apply_discount():
    planted.DISCOUNT = 10
    assert 100 - planted.DISCOUNT == 90
