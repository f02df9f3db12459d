"""Tests that build on each other, in collection order: pytest's contract
within a module. The slow one in the middle tempts a scheduler that knows
durations to start it early, elsewhere."""

import time

state = {}


def test_1_create():
    state["x"] = 1


def test_2_slow_uses_state():
    time.sleep(0.5)
    assert state["x"] == 1
    state["y"] = 2


def test_3_fast_uses_state():
    assert state == {"x": 1, "y": 2}


class TestSteps:
    seen = []

    def test_a(self):
        self.seen.append("a")

    def test_b_slow(self):
        time.sleep(0.3)
        self.seen.append("b")

    def test_c(self):
        assert self.seen == ["a", "b"]
