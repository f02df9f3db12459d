"""A test that ignores Ctrl-C: it catches every KeyboardInterrupt and sleeps
on. integration/interrupt_test.go interrupts it once its child is there;
shoal must end it after --interrupt-grace."""

import time

from orphans import leave_child


def test_deaf():
    leave_child()
    end = time.time() + 120
    while time.time() < end:
        try:
            time.sleep(end - time.time())
        except KeyboardInterrupt:
            pass
