"""Tests whose output could upset a protocol or a terminal: megabytes of
it (5 MB in lines, 2 MB in one line), bytes that are not UTF-8, writes straight to fds 1 and 2, a closed
stdin. integration/output_test.go runs it under pytest and shoal."""

import os
import sys

import pytest

MB = 1024 * 1024


def _lines(size):
    return "".join("line %07d of a test that talks a lot\n" % i for i in range(size // 40))


def test_big_pass():
    sys.stdout.write(_lines(MB))


def test_big_fail():
    sys.stdout.write(_lines(5 * MB))
    print("THE END")
    assert False


def test_one_huge_line():
    sys.stderr.write("x" * 2 * MB)
    assert False


def test_binary():
    os.write(1, b"\xff\xfe\x00\x1b[31mred\x1b[0m not utf-8: \xc3\x28\n")
    sys.stdout.buffer.write(b"\x80\x81 bytes on sys.stdout.buffer\n")
    sys.stdout.flush()
    os.write(2, b"straight to fd 2 \xe2\x82\n")
    assert False, "binary"


def test_fd_direct():
    os.write(1, b"fd1 " * 1000 + b"\n")
    os.write(2, b"fd2 " * 1000 + b"\n")


def test_closed_stdin():
    os.close(0)
    sys.stdin.close()


def test_reads_stdin():
    with pytest.raises(OSError):
        input()


@pytest.mark.parametrize("n", range(5))
def test_after(n):
    print("ordinary output", n)
