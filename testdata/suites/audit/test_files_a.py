"""Files at fixed paths, outside the tests' own directories."""

import pytest

from hold import SHARED_DIR, hold_file, set_status, work


@pytest.mark.isolation
def test_export_report():
    hold_file(SHARED_DIR / "report.json")


def test_batch_job():
    set_status(SHARED_DIR / "status")


@pytest.mark.parametrize("n", range(3))
def test_format(n):
    assert "%03d" % n
    work(0.02)
