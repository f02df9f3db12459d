import os
import signal
import time

import pytest

CASE = os.environ.get("SHOAL_IT_CASE", "")


def test_a(session_fixture):
    if CASE == "keyboard":
        raise KeyboardInterrupt
    if CASE == "killpg":
        os.killpg(0, signal.SIGINT)
        time.sleep(5)
    if CASE == "exit7":
        pytest.exit("pytest.exit with returncode 7", returncode=7)


def test_b(session_fixture):
    if CASE == "finish_status0":
        assert 0


def test_c(session_fixture):
    pass
