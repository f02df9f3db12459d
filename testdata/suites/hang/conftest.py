import time

import pytest


@pytest.fixture
def slow_fixture():
    time.sleep(120)
    yield
