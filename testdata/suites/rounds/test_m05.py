import time

import pytest

SETUP = 0.197  # seconds the module fixture sleeps


def test_plain_0():
    time.sleep(0.024)


def test_plain_1():
    time.sleep(0.021)


def test_plain_2():
    time.sleep(0.024)


@pytest.mark.isolation
def test_alone():
    time.sleep(0.03)
