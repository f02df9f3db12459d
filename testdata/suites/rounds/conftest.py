"""Every module's fixture takes a while to set up and logs each set-up, so a
run shows how many times each module was set up (setups.log, next to this
file: one line per set-up, the module's name and the process)."""

import os
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module", autouse=True)
def module_setup(request):
    time.sleep(request.module.SETUP)
    with open(os.path.join(HERE, "setups.log"), "a") as log:
        log.write(f"{request.module.__name__} {os.getpid()}\n")
    yield


def pytest_runtest_call(item):
    # The test SHOAL_IT_CRASH names kills its worker, as a crash in C code
    # would; without it nothing crashes.
    if item.nodeid == os.environ.get("SHOAL_IT_CRASH"):
        os._exit(3)
