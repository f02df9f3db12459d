import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.mark.isolation
@pytest.mark.parametrize("n", range(4))
def test_alone_on_the_port(n, fixed_port):
    # Nothing else may run: no ordinary test holds its marker file now.
    assert not os.path.exists(os.path.join(HERE, "plain.lock"))


@pytest.mark.isolation
def test_alone_too(anything_else):
    pass


@pytest.mark.parametrize("n", range(8))
def test_plain(n):
    path = os.path.join(HERE, "plain.lock")
    # Ordinary tests run together, so they only mark their presence; an
    # exclusive test running now would see it.
    with open(path, "a"):
        pass
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
