import time

import pytest

SETUP = 0.167  # seconds the module fixture sleeps


def test_plain_0():
    time.sleep(0.01)


def test_plain_1():
    time.sleep(0.024)


def test_plain_2():
    time.sleep(0.006)


@pytest.mark.isolation
def test_alone():
    time.sleep(0.03)
