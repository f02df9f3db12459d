import time

import pytest

SETUP = 0.152  # seconds the module fixture sleeps


def test_plain_0():
    time.sleep(0.021)


def test_plain_1():
    time.sleep(0.02)


def test_plain_2():
    time.sleep(0.009)


def test_plain_3():
    time.sleep(0.016)


def test_plain_4():
    time.sleep(0.011)


@pytest.mark.isolation
def test_alone():
    time.sleep(0.03)
