"""Servers on fixed ports."""

import pytest

from hold import PORT_BASE, serve, work


@pytest.mark.isolation
def test_listener_primary():
    serve(PORT_BASE + 1)


@pytest.mark.isolation
def test_callback_server():
    serve(PORT_BASE + 2)


@pytest.mark.parametrize("n", range(4))
def test_url_building(n):
    assert "http://localhost:%d/" % (PORT_BASE + n)
    work(0.02)
