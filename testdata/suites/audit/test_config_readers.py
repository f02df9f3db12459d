"""Tests that read the project's settings and catalog."""

from hold import catalog, settings, work


def test_normal_mode():
    assert settings()["mode"] == "normal"
    work(0.05)


def test_retries():
    assert settings()["retries"] == 3
    assert settings()["mode"] == "normal"
    work(0.05)


def test_mode_is_known():
    assert settings()["mode"] in ("normal",)
    work(0.05)


def test_anchor_price():
    assert "a1,anchor,12" in catalog()
    work(0.05)


def test_catalog_size():
    assert len(catalog()) == 3
    assert "a1,anchor,12" in catalog()
    work(0.05)


def test_constants():
    assert 2 + 2 == 4
    work(0.02)


def test_more_constants():
    assert 3 * 3 == 9
    work(0.02)
