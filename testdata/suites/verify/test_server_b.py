"""Conflicts on a fixed port with test_server_a.py."""

import planted


def test_serves_metrics():
    planted.serve()
