"""A test that leaves a daemon holding what its worker holds, then hangs: run with --timeout 2."""

import time

from leftover import fork_daemon


def test_daemon_then_hang():
    fork_daemon()
    time.sleep(120)


def test_after_timeout():
    pass
