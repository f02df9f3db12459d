import time

import pytest

SETUP = 0.202  # seconds the module fixture sleeps


def test_plain_0():
    time.sleep(0.019)


def test_plain_1():
    time.sleep(0.008)


def test_plain_2():
    time.sleep(0.018)


def test_plain_3():
    time.sleep(0.006)


def test_plain_4():
    time.sleep(0.023)


def test_plain_5():
    time.sleep(0.018)


@pytest.mark.isolation
def test_alone():
    time.sleep(0.03)
