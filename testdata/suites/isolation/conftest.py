"""Resources that break when two tests hold them at once, as real suites' do:
lock files created with O_EXCL, one per resource (a fixed port, a database,
a group's shared state; files rather than ports so that runs of this suite
side by side do not collide). Each holder keeps it for a while, so tests
that ran at the same time would fail."""

import os
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
HOLD = 0.05


def _hold_file(name):
    path = os.path.join(HERE, name)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    try:
        time.sleep(HOLD)
    finally:
        os.close(fd)
        os.remove(path)


@pytest.fixture
def fixed_port():
    _hold_file("port.lock")
    yield


@pytest.fixture
def anything_else():
    """Exclusive tests: nothing else may run, so every ordinary test checks
    that no exclusive test holds the marker file."""
    _hold_file("alone.lock")
    yield


@pytest.fixture
def db():
    _hold_file("db.lock")
    yield


@pytest.fixture
def group_a():
    _hold_file("group-a.lock")
    yield
