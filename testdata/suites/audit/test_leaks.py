"""Tests that leave state behind in their worker: no marker helps."""

import os
import threading
import time

import pytest

import suite_state
from hold import work


@pytest.mark.isolation
def test_feature_flag():
    os.environ["AUDIT_SUITE_FLAG"] = "on"
    work(0.05)


@pytest.mark.isolation
def test_register_plugin():
    suite_state.REGISTRY.append("csv-exporter")
    work(0.05)


def test_warm_cache():
    suite_state.CACHE["warm"] = True
    work(0.02)


def test_background_sync():
    threading.Thread(target=time.sleep, args=(0.5,), name="sync", daemon=True).start()
    work(0.02)


@pytest.mark.parametrize("n", range(2))
def test_registry_shape(n):
    assert isinstance(suite_state.REGISTRY, list)
    work(0.02)
