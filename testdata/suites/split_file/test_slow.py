"""One file of slow-ish tests: with two workers, the idle one must take the
back half of it and collect the file itself.

With SHOAL_IT_LOG set, every import of this module and every test appends a
line to a file of that directory named after the process, so the
integration test can tell who imported the module and who ran which test.
"""

import os
import time

import pytest


def _log(line):
    log_dir = os.environ.get("SHOAL_IT_LOG")
    if log_dir:
        with open(os.path.join(log_dir, f"{os.getpid()}.log"), "a", encoding="utf-8") as f:
            f.write(line + "\n")


_log("import")


@pytest.mark.parametrize("n", range(12))
def test_slow(n):
    _log(f"test_slow.py::test_slow[{n}]")
    time.sleep(0.1)
    if n == 4:
        pytest.skip("skipped on purpose")
    assert n != 9
