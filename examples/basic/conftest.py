import pytest


@pytest.fixture(scope="session")
def catalogue():
    # Set up once per worker, not once per test.
    return {"apple": 3, "pear": 5, "plum": 7}
