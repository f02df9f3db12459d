"""One test leaves the shared settings changed; the others only read them."""

import state


def test_reader():
    assert isinstance(state.settings, dict)


def test_polluter():
    state.settings["mode"] = "offline"


def test_after():
    assert True
