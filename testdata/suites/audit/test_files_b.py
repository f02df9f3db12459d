"""The same fixed paths, from tests nobody marked."""

import pytest

from hold import SHARED_DIR, check_status, hold_file, work


def test_report_preview():
    hold_file(SHARED_DIR / "report.json")


def test_monitor():
    check_status(SHARED_DIR / "status")


@pytest.mark.parametrize("n", range(3))
def test_parse(n):
    assert int(str(n)) == n
    work(0.02)
