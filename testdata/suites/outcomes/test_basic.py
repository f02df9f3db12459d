"""One test per outcome pytest can give a test function."""

import sys

import pytest


def test_pass():
    assert 1 + 1 == 2


def test_fail():
    assert 1 == 2, "one is not two"


def test_setup_error(broken_setup):
    pass


def test_teardown_error(broken_teardown):
    pass


def test_fail_and_teardown_error(broken_teardown):
    # A call failure outranks the teardown error: the test counts as failed.
    assert False, "call failed first"


@pytest.mark.skip(reason="skipped by mark")
def test_skip_mark():
    raise AssertionError("never runs")


@pytest.mark.skipif(sys.version_info > (3,), reason="skipped by skipif")
def test_skipif():
    raise AssertionError("never runs")


@pytest.mark.smoke
@pytest.mark.skipif(sys.version_info < (3,), reason="not skipped")
def test_skipif_false():
    pass


def test_skip_inside():
    pytest.skip("skipped from inside the test")


@pytest.mark.xfail(reason="known to fail")
def test_xfail():
    assert False


@pytest.mark.xfail(reason="known to fail, strictly", strict=True)
def test_xfail_strict():
    assert False


@pytest.mark.xfail(reason="expected to fail but passes")
def test_xpass():
    pass


@pytest.mark.xfail(reason="must fail", strict=True)
def test_xpass_strict():
    pass


def test_xfail_inside():
    pytest.xfail("xfailed from inside the test")


@pytest.mark.slow
@pytest.mark.smoke
def test_slow_smoke_fail():
    assert "slow" == "fast"


@pytest.mark.smoke
def test_smoke_pass(greeting):
    assert greeting == "hello"


def test_prints_then_fails():
    print("captured stdout of a failing test")
    sys.stderr.write("captured stderr of a failing test\n")
    assert [1, 2, 3] == [1, 2, 4]
