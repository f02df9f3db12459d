import time

import pytest

SETUP = 0.181  # seconds the module fixture sleeps


def test_plain_0():
    time.sleep(0.007)


def test_plain_1():
    time.sleep(0.014)


def test_plain_2():
    time.sleep(0.025)


@pytest.mark.isolation
def test_alone():
    time.sleep(0.03)
