"""The plugin's own tests, run by Debian's pytest from scripts/test.sh:

    python3 -m pytest -q -p no:cacheprovider plugin/tests

They import shoal_plugin from this checkout, not an unpacked copy.
"""

import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shoal_plugin import channel  # noqa: E402  (after the path is set)


@pytest.fixture
def pair(tmp_path, monkeypatch):
    """The plugin's Channel, connected to a socket the test holds as shoal's end."""
    path = str(tmp_path / "sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    monkeypatch.setenv("SHOAL_SOCKET", path)
    chan = channel.connect()
    shoal, _ = server.accept()
    shoal.settimeout(10)
    yield chan, shoal
    chan.close()
    shoal.close()
    server.close()
