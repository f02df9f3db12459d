"""Log records name the worker that made them (shoal's %(worker)s)."""

import logging
import os

import pytest

log = logging.getLogger("app.module")


@pytest.mark.parametrize("n", range(4))
def test_record_names_its_worker(n, caplog):
    caplog.set_level(logging.INFO)
    log.info("test %d", n)
    assert caplog.records[-1].worker == os.environ.get("PYTEST_XDIST_WORKER", "master")


def test_fails_with_a_log_line():
    log.warning("about to fail")
    assert False
