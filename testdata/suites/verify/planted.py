"""What the planted tests share. Every problem here is deterministic, so
that the suite itself is not flaky: the flaky test reads an attempt counter,
polluters leave state behind in the process, and conflicting tests hold a
fixed port or a fixed file for HOLD seconds."""

import os
import socket
import time
import uuid
from pathlib import Path

HOLD = 0.4
# Where the shared things are; the integration tests give every run its own.
SHARED_DIR = Path(os.environ.get("VERIFY_SUITE_DIR", Path(__file__).parent / ".shared"))
PORT = int(os.environ.get("VERIFY_SUITE_PORT", "18950"))

# Module state that tests change without putting it back.
DISCOUNT = 0
CATALOG = {}


def attempt(name):
    """How many times the test called name has run, this one included."""
    SHARED_DIR.mkdir(parents=True, exist_ok=True)
    path = SHARED_DIR / ("attempts-" + name)
    n = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(n))
    return n


def serve():
    """Listen on the fixed port for a while; fails if another test has it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", PORT))
        sock.listen()
        time.sleep(HOLD)
    finally:
        sock.close()


def hold_file(name):
    """Write a token to a fixed file, wait, and read it back."""
    SHARED_DIR.mkdir(parents=True, exist_ok=True)
    path = SHARED_DIR / name
    token = uuid.uuid4().hex
    path.write_text(token)
    time.sleep(HOLD)
    assert path.read_text() == token, "another test wrote %s meanwhile" % path
