"""A worker that forked a child crashes in its next test."""

import os

from leftover import fork_child


def test_fork_child():
    fork_child()


def test_crash():
    os._exit(3)


def test_after_crash():
    pass
