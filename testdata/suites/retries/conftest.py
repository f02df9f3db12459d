"""Attempt counters for shoal's --retries: each test counts its runs in a
file under RETRY_COUNTS, so that a test fails on its first attempts and
passes after, whichever worker runs it."""

import os

import pytest


@pytest.fixture(scope="session")
def attempt():
    root = os.environ["RETRY_COUNTS"]

    def count(name):
        path = os.path.join(root, name)
        with open(path, "a") as f:
            f.write("x")
        return os.path.getsize(path)

    return count
