"""Random state and objects a conftest makes at import.

With SHOAL_IT_SEED=1 it seeds Python's random module and numpy's global
random state at import, as some suites do; a pytest-xdist worker, which
imports it itself, then draws the seeded numbers. In pytest_sessionstart
each worker appends its id, a numpy draw and a random draw to
$SHOAL_IT_DRAWS: every worker draws, whichever tests it gets. MARKER is an
object made at import, which test_gc.py looks for.
"""

import os
import random

import numpy.random

if os.environ.get("SHOAL_IT_SEED") == "1":
    random.seed(0)
    numpy.random.seed(0)


class Marker:
    pass


MARKER = Marker()


def pytest_sessionstart(session):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and os.environ.get("SHOAL_IT_DRAWS"):
        with open(os.environ["SHOAL_IT_DRAWS"], "a") as f:
            f.write("%s %r %r\n" % (worker, numpy.random.random(), random.random()))
