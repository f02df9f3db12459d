"""One test leaves the shared settings changed; a later test of the same
file assumes them untouched and fails after it. Tests of a file run in
order on one worker, so the failure comes whatever the schedule."""

import state


def test_reader():
    assert isinstance(state.settings, dict)


def test_polluter():
    state.settings["mode"] = "offline"


def test_after():
    assert True


def test_victim():
    assert "mode" not in state.settings, "settings left changed by an earlier test"
