"""Tests that run past their timeout, among ordinary ones. Run with --timeout 1.

integration/timeout_test.go has the table of what each must give.
"""

import ctypes
import threading
import time

import pytest

from orphans import leave_child


def test_before():
    pass


def test_sleeps():
    threading.Thread(target=time.sleep, args=(120,), name="helper", daemon=True).start()
    leave_child()
    print("going to sleep")
    time.sleep(120)


@pytest.mark.timeout(0.5)
def test_marker():
    time.sleep(120)


@pytest.mark.timeout(0)
def test_marker_off():
    time.sleep(1.5)


@pytest.mark.timeout(seconds=5)
def test_marker_longer():
    time.sleep(1.5)


@pytest.mark.timeout("soon")
def test_bad_marker():
    pass


def test_setup_hangs(slow_fixture):
    pass


def test_holds_the_gil():
    # C code that never lets go of the GIL, as a runaway regular expression
    # does: no Python thread could run, but faulthandler's handler can.
    leave_child()
    ctypes.PyDLL(None).sleep(120)


@pytest.mark.parametrize("n", range(6))
def test_after(n):
    pass
