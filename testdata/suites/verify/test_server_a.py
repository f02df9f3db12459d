"""Conflicts on a fixed port with test_server_b.py."""

import planted


def test_serves_api():
    planted.serve()
