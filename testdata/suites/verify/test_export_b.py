"""Conflicts on a fixed file with test_export_a.py."""

import planted


def test_export_invoices():
    planted.hold_file("export.csv")
