"""A passing test that prints 130 MB on stdout, in lines of 1 KiB, a quiet
one, and a failing one that prints as much. integration/bigoutput_test.go
runs it under shoal."""

import sys

LINE = "x" * 1023 + "\n"


def _print_130_mb():
    for _ in range(130 * 1024):
        sys.stdout.write(LINE)
    print("THE END")


def test_prints_130_mb():
    _print_130_mb()


def test_quiet():
    pass


def test_fails_after_130_mb():
    _print_130_mb()
    assert False
