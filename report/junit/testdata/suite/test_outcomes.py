import pytest


@pytest.fixture
def broken_setup():
    raise RuntimeError("setup went wrong")


@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown went wrong")


def test_pass():
    pass


def test_fail():
    assert 1 == 2, "one is not two"


def test_setup_error(broken_setup):
    pass


def test_teardown_error(broken_teardown):
    pass


def test_fail_and_teardown_error(broken_teardown):
    assert False


def test_skip():
    pytest.skip("not today")


@pytest.mark.skip(reason="marked skip")
def test_skip_mark():
    pass


@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert 0


def test_xfail_imperative():
    pytest.xfail("gave up")


@pytest.mark.xfail(reason="maybe")
def test_xpass():
    pass


@pytest.mark.xfail(reason="must fail", strict=True)
def test_xpass_strict():
    pass


@pytest.mark.parametrize("v", ["a.b", "c::d"])
def test_param(v):
    pass


class TestGroup:
    def test_method(self):
        pass
