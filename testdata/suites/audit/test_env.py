"""Environment, cwd and module state changed through monkeypatch, which
puts them back."""

import os

import pytest

import suite_state
from hold import work


@pytest.mark.isolation
def test_mode_from_env(monkeypatch):
    monkeypatch.setenv("APP_MODE", "test")
    assert os.environ["APP_MODE"] == "test"
    work(0.08)


@pytest.mark.isolation
def test_without_home(monkeypatch):
    monkeypatch.delenv("HOME", raising=False)
    assert "HOME" not in os.environ
    work(0.08)


@pytest.mark.isolation
def test_in_other_dir(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert os.getcwd() == str(tmp_path)
    work(0.08)


@pytest.mark.isolation
def test_patched_mode(monkeypatch):
    monkeypatch.setattr(suite_state, "MODE", "maintenance")
    assert suite_state.MODE == "maintenance"
    work(0.08)


@pytest.mark.isolation
def test_patched_cache(monkeypatch):
    monkeypatch.setitem(suite_state.CACHE, "answer", 42)
    assert suite_state.CACHE["answer"] == 42
    work(0.08)


@pytest.mark.isolation
def test_path_var(monkeypatch):
    monkeypatch.setenv("PATH", "/nowhere", prepend=os.pathsep)
    assert os.environ["PATH"].startswith("/nowhere")
    work(0.08)


@pytest.mark.parametrize("n", range(8))
def test_env_read(n):
    assert os.environ.get("AUDIT_SUITE_NEVER_SET") is None
    work(0.02)
