"""Checks the thread-pool variables each worker sees.

SHOAL_IT_POOLS holds the expected value of each variable as JSON; "" means
unset. Several tests, so that both workers run some.
"""

import json
import os

import pytest

NAMES = [
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
]


@pytest.mark.parametrize("n", range(6))
def test_pools(n):
    want = json.loads(os.environ["SHOAL_IT_POOLS"])
    got = {name: os.environ.get(name, "") for name in NAMES}
    assert got == want
