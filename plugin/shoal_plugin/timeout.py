"""Per-test timeouts: shoal's --timeout and the ``timeout(seconds)`` marker.

Before a test that has a timeout starts, the worker tells shoal ("timer"),
which keeps the clock. When the time is up and the test still runs, shoal
sends the worker a signal on which faulthandler writes every thread's stack
to the worker's stacks file; faulthandler's handler is C code that needs no
GIL, so it answers even while a test holds the GIL in a C call. shoal then
ends the worker's process group, the test's children too, and reports the
test failed with "Timeout". Nothing else runs in the worker: no thread, no
per-test cost beyond the message.

The timeout covers the whole protocol (setup, call and teardown), as
pytest-timeout's does by default.

Where pytest-timeout is installed, the marker and --timeout are its own:
shoal gives it its --timeout (share), and pytest-timeout fails the test
with its message and stacks as under pytest -n, or ends the worker
(--timeout-method thread). shoal's clock then starts BACKSTOP seconds
later, only to end a worker that pytest-timeout could not stop (a test
stuck in C code that holds the GIL).
"""

import faulthandler
import math
import os
import signal
import time

import pytest

MARKER = (
    "timeout(seconds): fail the test when its setup, call and teardown take "
    "longer than this many seconds; 0 turns shoal's --timeout off for it"
)

# The signal shoal sends for the stacks: a real-time one where there are
# some, since programs under test use SIGUSR1 and SIGUSR2 for their own ends.
DUMP_SIGNAL = signal.SIGRTMIN + 4 if hasattr(signal, "SIGRTMIN") else signal.SIGUSR2


def register_marker(config):
    """Both modes call it, so --strict-markers accepts the marker while collecting."""
    config.addinivalue_line("markers", MARKER)


def _default_seconds():
    try:
        seconds = float(os.environ.get("SHOAL_TIMEOUT") or 0)
    except ValueError:
        return 0.0
    return seconds if seconds > 0 and math.isfinite(seconds) else 0.0


# shoal's --timeout, which it passes in SHOAL_TIMEOUT; 0 for none. Read at
# import, before the workers drop shoal's variables from their environment.
DEFAULT = _default_seconds()

# How much later than pytest-timeout shoal's clock ends a test.
BACKSTOP = 10.0


def pytest_timeout_active(config):
    return config.pluginmanager.hasplugin("timeout")


def share(config):
    """Give shoal's --timeout to pytest-timeout, where it is installed and
    pytest's command line set none, as `pytest -n N --timeout S` would."""
    if DEFAULT > 0 and pytest_timeout_active(config) and getattr(config.option, "timeout", 0) is None:
        config.option.timeout = DEFAULT


def marker_seconds(item):
    """The closest timeout marker's seconds; None without one.

    Raises ValueError with a message for a marker that does not say a
    number of seconds ≥ 0.
    """
    mark = item.get_closest_marker("timeout")
    if mark is None:
        return None
    if mark.args:
        value = mark.args[0]
    elif "seconds" in mark.kwargs:
        value = mark.kwargs["seconds"]
    elif "timeout" in mark.kwargs:
        value = mark.kwargs["timeout"]
    else:
        raise ValueError("the timeout marker needs the seconds: @pytest.mark.timeout(30)")
    problem = "the timeout marker needs a number of seconds ≥ 0, not %r" % (value,)
    if isinstance(value, bool):
        raise ValueError(problem)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(problem) from None
    if seconds < 0 or not math.isfinite(seconds):
        raise ValueError(problem)
    return seconds


class Timer:
    """Tells shoal when a test with a timeout starts.

    Registered as a plugin while the loop runs, so that a bad marker fails
    the test's setup like any other error.
    """

    def __init__(self, chan, stacks_path, default, backstop=0.0):
        self.chan = chan
        self.stacks_path = stacks_path or os.devnull
        self.default = default
        self.backstop = backstop
        self.stacks = None

    def seconds(self, item):
        try:
            seconds = marker_seconds(item)
        except ValueError:
            return 0.0  # pytest_runtest_setup reports it
        seconds = self.default if seconds is None else seconds
        return seconds + self.backstop if seconds > 0 else seconds

    def start(self, ref, item):
        seconds = self.seconds(item)
        if seconds <= 0:
            return
        if self.stacks is None:
            # Appending: shoal empties the file when a dump came for a test
            # that finished after all, and the next dump starts it anew.
            self.stacks = open(self.stacks_path, "a")
            faulthandler.register(DUMP_SIGNAL, file=self.stacks, all_threads=True, chain=False)
        self.chan.send({"t": "timer", "f": ref[0], "p": ref[1], "s": seconds, "start": time.time(), "sig": int(DUMP_SIGNAL)})

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        problem = None
        try:
            marker_seconds(item)
        except ValueError as e:
            problem = str(e)
        if problem is not None:
            pytest.fail(problem, pytrace=False)
