"""A test that fails on its first attempt and kills its worker on the retry."""

import os
import signal


def test_crashes_on_retry(attempt):
    if attempt("crash") == 1:
        assert False, "attempt 1"
    os.kill(os.getpid(), signal.SIGSEGV)
