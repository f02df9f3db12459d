"""Victim of an environment polluter (test_debug_mode.py)."""

import os


def test_default_mode():
    assert os.environ.get("APP_MODE", "production") == "production"


def test_config_name():
    assert "app.toml".endswith(".toml")
