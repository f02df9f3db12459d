import time

import pytest

SETUP = 0.235  # seconds the module fixture sleeps


def test_plain_0():
    time.sleep(0.013)


def test_plain_1():
    time.sleep(0.017)


def test_plain_2():
    time.sleep(0.014)


def test_plain_3():
    time.sleep(0.008)


@pytest.mark.isolation
def test_alone():
    time.sleep(0.03)
