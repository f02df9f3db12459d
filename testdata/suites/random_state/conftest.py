"""Imported by the session process before it forks any worker, so numpy's
global random state is seeded there, once. The draw fixture appends this
process's id and a draw from numpy's global random state and from Python's
random module to $SHOAL_IT_DRAWS, one line a call, and takes 0.1 s, so that
both workers get tests."""

import os
import random
import time

import numpy.random
import pytest


@pytest.fixture
def draw():
    def append():
        with open(os.environ["SHOAL_IT_DRAWS"], "a") as f:
            f.write("%d %r %r\n" % (os.getpid(), numpy.random.random(), random.random()))
        time.sleep(0.1)

    return append
