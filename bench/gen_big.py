#!/usr/bin/env python3
"""Generate the big suite: 100,000 tests that do nothing, in 1,000 files of 100.

It loads the orchestrator (memory and CPU per test: inventory, dispatch,
reports, the run record) rather than the workers.

    gen_big.py OUT [--files 1000] [--tests 100]
"""

import sys

import gen_trivial


def generate(out, files=1000, tests=100):
    return gen_trivial.generate(out, files, tests, kind="big")


if __name__ == "__main__":
    sys.exit(gen_trivial.main(kind="big", files=1000, doc=__doc__))
