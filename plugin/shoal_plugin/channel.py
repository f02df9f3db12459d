"""The private channel to the shoal process: newline-delimited JSON over a Unix socket.

The socket is not stdout or stderr, which belong to the tests, and it is never
inherited by programs the tests start (Python sockets are non-inheritable).
A child a test forks without exec gets a copy all the same: it closes that
copy as it starts, so that the channel ends when its process does and the
child never speaks on it.
"""

import json
import os
import re
import signal
import socket

PROTOCOL_VERSION = 1

# shoal passes its own stdout and stderr to the session process as these
# descriptors: the controller writes there (controller.py).
TERMINAL_FDS = (3, 4)


def _default(value):
    # Marker arguments, user properties and plugin extras can be any object.
    return repr(value)


class Channel:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self._buf = b""
        self.abandoned = False
        os.register_at_fork(after_in_child=self._abandon)

    def _abandon(self):
        # In a forked child: the channel is its parent's.
        self.abandoned = True
        self.close()

    def fileno(self):
        return self.sock.fileno()

    def send(self, msg):
        if self.abandoned:
            return
        data = _utf8(json.dumps(msg, default=_default, ensure_ascii=False, separators=(",", ":"))) + b"\n"
        # shoal sends SIGINT at an interrupt: the KeyboardInterrupt waits
        # until the line is whole, or shoal would read half a message.
        mask = _hold(signal.SIGINT)
        try:
            self.sock.sendall(data)
        finally:
            _release(mask)

    def has_line(self):
        return b"\n" in self._buf

    def recv(self):
        """Block until one message arrives; None when shoal closed the channel."""
        if self.abandoned:
            return None
        while b"\n" not in self._buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# What Python puts in a str for bytes that are not UTF-8 (a file name read
# with surrogateescape), and other lone surrogates: UTF-8 cannot hold them.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(match):
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return "\\\\x%02x" % (code - 0xDC00)  # the byte, as backslashreplace writes it
    return "\\\\u%04x" % code


def _utf8(text):
    """JSON text as UTF-8. A stand-in for a byte that is not UTF-8 becomes
    the text \\xNN: JSON cannot carry the byte itself, and a reader that
    replaced every such byte with U+FFFD would make two files that differ
    only there one and the same."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(_escape_surrogate, text).encode("utf-8")


def _hold(sig):
    """Block sig in this thread; returns the mask to restore."""
    if hasattr(signal, "pthread_sigmask"):
        return signal.pthread_sigmask(signal.SIG_BLOCK, {sig})
    return None


def _release(mask):
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def connect():
    return Channel(os.environ["SHOAL_SOCKET"])


def forget_environment():
    """Keep shoal's own variables away from the tests and what they start."""
    for key in ("SHOAL_SOCKET", "SHOAL_MODE", "SHOAL_TIMEOUT", "SHOAL_STACKS", "SHOAL_CAPTURED", "SHOAL_RUN_BASETEMP"):
        os.environ.pop(key, None)
