"""The channel in a child that a test forks without exec."""

import os
import socket
import time

from shoal_plugin import channel


def test_forked_child_lets_go_of_the_channel(tmp_path, monkeypatch):
    path = str(tmp_path / "sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    monkeypatch.setenv("SHOAL_SOCKET", path)
    chan = channel.connect()
    shoal, _ = server.accept()
    shoal.settimeout(10)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        # The child says nothing on its parent's channel and reads nothing.
        ok = chan.abandoned and chan.recv() is None
        chan.send({"t": "from the child"})
        os.write(w, b"y" if ok else b"n")
        time.sleep(30)
        os._exit(0)
    try:
        os.close(w)
        assert os.read(r, 1) == b"y"
        assert not chan.abandoned
        chan.send({"t": "bye", "unrun": []})
        chan.close()
        # The child lives on, yet the channel ends with the parent's end of it.
        data = b""
        while True:
            chunk = shoal.recv(65536)
            if not chunk:
                break
            data += chunk
        assert data == b'{"t":"bye","unrun":[]}\n'
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(r)
        shoal.close()
        server.close()
