"""One passing test that prints 130 MB on stdout, in lines of 1 KiB, and a
quiet one after it. integration/bigoutput_test.go runs it under shoal."""

import sys

LINE = "x" * 1023 + "\n"


def test_prints_130_mb():
    for _ in range(130 * 1024):
        sys.stdout.write(LINE)
    print("THE END")


def test_quiet():
    pass
