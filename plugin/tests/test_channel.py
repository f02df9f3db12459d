"""The channel: in a child that a test forks without exec, and with what is not UTF-8."""

import json
import os
import time

from shoal_plugin import channel


def test_forked_child_lets_go_of_the_channel(pair):
    chan, shoal = pair
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


def test_bytes_that_are_not_utf8_stay_apart():
    """Two file names that differ only in bytes that are not UTF-8 reach
    shoal as two names, each byte written \\xNN."""
    names = [b"test_a\xff.py".decode("utf-8", "surrogateescape"), b"test_a\xfe.py".decode("utf-8", "surrogateescape")]
    sent = [channel._utf8(json.dumps({"nodeid": n}, ensure_ascii=False)) for n in names]
    assert [json.loads(s.decode("utf-8"))["nodeid"] for s in sent] == ["test_a\\xff.py", "test_a\\xfe.py"]
    assert channel._utf8('{"t":"é"}') == '{"t":"é"}'.encode("utf-8")
