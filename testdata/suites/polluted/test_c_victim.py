"""A test that assumes the settings untouched: it fails after the polluter."""

import state


def test_more():
    assert True


def test_victim():
    assert "mode" not in state.settings, "settings left changed by an earlier test"
