"""A brittle test: test_lookup passes only after test_load has filled the
catalog, as it does in collection order."""

import planted


def test_load():
    planted.CATALOG["widget"] = 3
    assert planted.CATALOG


def test_lookup():
    assert planted.CATALOG.get("widget") == 3
