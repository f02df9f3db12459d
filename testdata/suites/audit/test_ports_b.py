"""More servers on fixed ports: one of them nobody marked."""

import pytest

from hold import PORT_BASE, serve, work


@pytest.mark.isolation
def test_listener_replica():
    serve(PORT_BASE + 1)


def test_webhook_receiver():
    serve(PORT_BASE + 2)


@pytest.mark.parametrize("n", range(3))
def test_headers(n):
    assert {"n": n}
    work(0.02)
