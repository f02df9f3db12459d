"""Tests that write lines of their own on their worker's connection to shoal
(a socket among the process's descriptors): one that is no JSON, one of a
kind shoal does not know, one that claims a test that does not exist."""

import os

import pytest


def _write_to_sockets(line):
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + fd).startswith("socket:"):
                os.write(int(fd), line)
        except OSError:
            pass


@pytest.mark.parametrize(
    "line",
    [b"not a message at all\n", b'{"t":"nonsense"}\n', b'{"t":"done","f":99,"p":0}\n'],
    ids=["garbage", "unknown_kind", "unknown_test"],
)
def test_stray(line):
    _write_to_sockets(line)


@pytest.mark.parametrize("n", range(4))
def test_after(n):
    pass
