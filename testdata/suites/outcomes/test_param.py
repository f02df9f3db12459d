import pytest


@pytest.mark.parametrize("n, square", [(1, 1), (2, 4), (3, 10)])
def test_square(n, square):
    assert n * n == square


@pytest.mark.parametrize("word", ["alpha", "beta"], ids=["first", "second"])
@pytest.mark.parametrize("times", [1, 2])
def test_repeat(word, times):
    assert len(word * times) == len(word) * times


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(1, id="plain"),
        pytest.param(2, marks=pytest.mark.skip(reason="param skipped"), id="skipped"),
        pytest.param(3, marks=pytest.mark.xfail(reason="param xfail"), id="xfail"),
        pytest.param(4, marks=pytest.mark.slow, id="slow"),
    ],
)
def test_param_marks(value):
    assert value != 3
