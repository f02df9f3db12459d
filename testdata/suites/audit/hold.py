"""What the conflicting tests do with what they share, each for a while
(HOLD seconds), so that two of them running at the same time collide: a
fixed port is taken, a file holds the other's token, a table the other's
rows. Run one at a time, every test passes."""

import json
import os
import socket
import time
import uuid
from pathlib import Path

HOLD = 0.3
ROOT = Path(__file__).parent
# Where the shared things are; the integration tests give every run its own.
SHARED_DIR = Path(os.environ.get("AUDIT_SUITE_DIR", "/tmp/shoal-audit-suite"))
PORT_BASE = int(os.environ.get("AUDIT_SUITE_PORT", "18800"))


def work(seconds):
    """Some computing and waiting, as a real test does."""
    deadline = time.monotonic() + seconds
    total = 0
    while time.monotonic() < deadline:
        total += sum(i * i for i in range(200))
        time.sleep(seconds / 10)
    return total


def serve(port):
    """Listen on a fixed port for a while; fails if another test has it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        time.sleep(HOLD)
    finally:
        sock.close()


def hold_file(path):
    """Write a token to a fixed file, wait, and read it back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    path.write_text(token)
    time.sleep(HOLD)
    assert path.read_text() == token, "another test wrote %s meanwhile" % path
    path.unlink()


def set_status(path):
    """Say 'busy' in a status file while working, then 'idle'."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("busy")
    time.sleep(HOLD)
    path.write_text("idle")


def check_status(path):
    """A reader that must never see the writer at work."""
    time.sleep(HOLD / 3)
    try:
        status = path.read_text()
    except FileNotFoundError:
        return
    assert status != "busy", "read %s while another test was busy" % path


def rewrite_project_file(name, change):
    """Change a file of the project for a while, then put it back."""
    path = ROOT / "data" / name
    original = path.read_text()
    try:
        path.write_text(change(original))
        time.sleep(HOLD)
    finally:
        path.write_text(original)


def settings():
    return json.loads((ROOT / "data" / "settings.json").read_text())


def catalog():
    return (ROOT / "data" / "catalog.csv").read_text().splitlines()


def ledger(conn, who):
    """Fill a fixed table of a shared database, wait, count."""
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS audit_ledger (id int, who text)")
        cur.execute("DELETE FROM audit_ledger")
        for i in range(3):
            cur.execute("INSERT INTO audit_ledger VALUES (%s, %s)", (i, who))
        time.sleep(HOLD)
        cur.execute("SELECT count(*) FROM audit_ledger")
        (n,) = cur.fetchone()
        cur.execute("DELETE FROM audit_ledger")
    assert n == 3, "another test wrote audit_ledger meanwhile (%d rows)" % n
