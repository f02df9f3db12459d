"""Three tests that kill their worker, among ordinary ones.

Before dying, each starts a child process that would outlive it: shoal must
end it with the worker's process group. Its command line names this
directory, so the integration test can look for it afterwards.
"""

import ctypes
import os
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _leave_a_child():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", HERE])


def test_before_exit():
    pass


def test_exit():
    _leave_a_child()
    print("about to exit")
    sys.stderr.write("exiting with 3\n")
    os._exit(3)


def test_after_exit():
    pass


def test_segfault():
    _leave_a_child()
    ctypes.string_at(0)


def test_after_segfault():
    pass


def test_killed():
    # As the kernel's out-of-memory killer ends a process.
    _leave_a_child()
    os.kill(os.getpid(), signal.SIGKILL)
