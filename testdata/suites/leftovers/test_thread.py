"""A test that leaves a thread running that is no daemon and never ends:
Python waits for it before its process exits."""

import threading
import time


def test_thread_left_running():
    threading.Thread(target=time.sleep, args=(10**6,), name="left-running").start()


def test_after_thread():
    pass
