"""Conflicts on a fixed file with test_export_b.py."""

import planted


def test_export_orders():
    planted.hold_file("export.csv")
