"""Tests that change files of the project which other tests read."""

import json

import pytest

from hold import rewrite_project_file, work


@pytest.mark.isolation
def test_maintenance_mode():
    rewrite_project_file("settings.json", lambda text: json.dumps(dict(json.loads(text), mode="maintenance")))


@pytest.mark.isolation
def test_price_update():
    rewrite_project_file("catalog.csv", lambda text: text.replace(",12", ",13"))


@pytest.mark.parametrize("n", range(2))
def test_json_round_trip(n):
    assert json.loads(json.dumps({"n": n})) == {"n": n}
    work(0.02)
