"""Processes that tests leave running.

Each child writes its pid into $SHOAL_IT_PIDS (else this directory) as
PID.pid, so that the integration tests can wait for it and end it, then
sleeps for two minutes: far longer than a run of this suite may take.
"""

import os
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SLEEP = 120


def _write_pid():
    where = os.environ.get("SHOAL_IT_PIDS") or HERE
    path = os.path.join(where, "%d.pid" % os.getpid())
    with open(path + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(path + ".tmp", path)


def _forked(daemon):
    """Fork a child without exec (a daemon: twice, in a session of its own)
    that writes its pid and sleeps; return once it has written its pid."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            if daemon:
                os.setsid()
            if not daemon or os.fork() == 0:
                _write_pid()
                os.close(w)
                time.sleep(SLEEP)
        finally:
            os._exit(0)
    os.close(w)
    os.read(r, 1)  # end of file: the child has written its pid
    os.close(r)
    if daemon:
        os.waitpid(pid, 0)


def fork_child():
    """A child forked without exec, in the test's process group."""
    _forked(daemon=False)


def fork_daemon():
    """A daemon: forked twice without exec, in a session of its own."""
    _forked(daemon=True)
