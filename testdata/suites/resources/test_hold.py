"""A test that waits to be interrupted: the cleanup tests start a run, wait
until it is here, then press Ctrl-C or kill something. It skips unless
RESOURCES_SUITE_HOLD names a directory to say where it is."""

import os
import time
from pathlib import Path

import pytest

from checks import worker


def test_hold():
    where = os.environ.get("RESOURCES_SUITE_HOLD")
    if not where:
        pytest.skip("only for the cleanup tests")
    Path(where, worker() + ".pid").write_text(str(os.getpid()))
    time.sleep(60)
