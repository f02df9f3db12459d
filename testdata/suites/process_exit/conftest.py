"""What every pytest process of a run does at its exit, after its session:
Python flushes a file a conftest left open, and runs its atexit function.
Each process (the controller or serial pytest, and each worker) writes its
own two files under $EXIT_OUT."""

import atexit
import os

OUT = os.environ["EXIT_OUT"]
NAME = os.environ.get("PYTEST_XDIST_WORKER", "main")

# Never closed: its buffered line reaches the file only when Python, at
# exit, releases the module's objects.
_unclosed = open(os.path.join(OUT, NAME + ".unclosed"), "w")


def pytest_sessionfinish(session):
    _unclosed.write("sessionfinish\n")


def _at_exit():
    with open(os.path.join(OUT, NAME + ".atexit"), "w") as f:
        f.write("atexit\n")


atexit.register(_at_exit)
