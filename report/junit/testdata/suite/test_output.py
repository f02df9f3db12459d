import logging
import sys

import pytest


@pytest.fixture
def chatty():
    print("setting up")
    yield
    print("tearing down")
    sys.stderr.write("teardown err\n")


def test_pass_output(chatty):
    print("hello out")
    sys.stderr.write("hello err\n")
    logging.getLogger("suite").warning("hello log")


def test_fail_output(chatty):
    print("failing out")
    sys.stderr.write("failing err\n")
    logging.getLogger("suite").warning("failing log")
    assert False


def test_skip_output(chatty):
    print("before skip")
    pytest.skip("skipping with output")
