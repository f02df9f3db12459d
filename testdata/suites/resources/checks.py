"""What the tests do with their resources, each for a while (0.2 s), so
that workers running side by side overlap. Each fails if another worker
shares the resource: the port is taken, the file was overwritten or is
there already, the table exists, the echo answers for another worker."""

import os
import socket
import tempfile
import time
import uuid
from pathlib import Path

HOLD = 0.2


def worker():
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


def serve(port, n):
    server = socket.socket()
    server.bind(("127.0.0.1", port))
    server.listen(1)
    client = socket.create_connection(("127.0.0.1", port))
    conn, _ = server.accept()
    client.sendall(b"ping %d" % n)
    assert conn.recv(64) == b"ping %d" % n
    time.sleep(HOLD)
    client.close()  # the client closes first: the port is free again at once
    conn.close()
    server.close()


def hold_file(path):
    """Create path, keep it a while, check nobody else wrote it, remove it."""
    token = uuid.uuid4().hex
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token)
    time.sleep(HOLD)
    assert Path(path).read_text() == token
    os.unlink(path)


def tempdir_lock():
    hold_file(os.path.join(tempfile.gettempdir(), "resources-suite.lock"))


def scratch_table(db, n):
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM seed")
    assert cur.fetchone()[0] == 3  # the template's seed data came along
    cur.execute("CREATE TABLE scratch (id int PRIMARY KEY, test int NOT NULL)")
    try:
        cur.executemany("INSERT INTO scratch VALUES (%s, %s)", [(i, n) for i in range(10)])
        time.sleep(HOLD)
        cur.execute("SELECT count(*), min(test), max(test) FROM scratch")
        assert cur.fetchone() == (10, n, n)
    finally:
        cur.execute("DROP TABLE scratch")


def echo(port, n):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(b"hello %d\n" % n)
        reply = conn.makefile().readline().strip()
    assert reply == "%s:hello %d" % (worker(), n)
    time.sleep(HOLD)
