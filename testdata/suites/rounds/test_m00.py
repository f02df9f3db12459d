import time

import pytest

SETUP = 0.174  # seconds the module fixture sleeps


def test_plain_0():
    time.sleep(0.019)


def test_plain_1():
    time.sleep(0.015)


def test_plain_2():
    time.sleep(0.007)


@pytest.mark.isolation
def test_alone():
    time.sleep(0.03)
