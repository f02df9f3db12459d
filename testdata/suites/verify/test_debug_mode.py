"""Pollutes the environment: turns debug mode on and leaves it on."""

import os


def test_enable_debug():
    os.environ["APP_MODE"] = "debug"
    assert os.environ["APP_MODE"] == "debug"
