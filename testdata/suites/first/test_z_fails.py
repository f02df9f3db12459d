import os

from conftest import started


def test_fails():
    started("fails")
    assert os.environ.get("FIXED")
