"""Tests that fail on their first attempts, beside ones shoal must not retry."""

import pytest

RUNS = {}


@pytest.fixture(scope="module")
def flaky_resource(attempt):
    # A module fixture whose setup fails the first time: pytest caches
    # the error for the module's later tests, so a retry must start from
    # a torn-down module.
    if attempt("module_fixture") == 1:
        raise RuntimeError("resource not ready")
    return "ready"


def test_passes_on_second(attempt):
    assert attempt("second") >= 2


def test_passes_on_third(attempt):
    assert attempt("third") >= 3


def test_setup_fails_once(flaky_resource):
    assert flaky_resource == "ready"


def test_plain():
    pass


@pytest.mark.xfail(reason="expected")
def test_xfail(attempt):
    attempt("xfail")
    assert False


def test_skip():
    pytest.skip("not here")
