"""The fork server: the session process, once it has collected, forks the
workers shoal asks for and tells shoal how each one ends.

After collection only imports have run (fixtures are lazy), so a forked
child has a ready session in milliseconds. Go decides between forking and
spawning from the thread count the session reports: a process with more
than one thread cannot fork safely.

Commands from shoal:
  {"t": "fork", "workers": [spec, ...]}  fork one child per spec; each child
                                         leaves serve() with its spec
  {"t": "exit", "results"}               stop serving; results are the run's
                                         outcomes for pytest's cache (cache.py)
Messages to shoal: "forked" (worker, pid) and "exited" (worker, pid, status).

A child dies with the server, as the server dies with shoal
(PR_SET_PDEATHSIG), so no worker outlives shoal.
"""

import gc
import os
import select
import signal
import sys

PR_SET_PDEATHSIG = 1


def serve(chan):
    """Serve shoal's commands until told to exit, then return the exit
    command (None if shoal went away). In a forked child, return its worker
    spec; the child has closed chan."""
    children = {}
    prctl = None
    while True:
        ready, _, _ = select.select([chan], [], [], 0.05)
        if ready or chan.has_line():
            msg = chan.recv()
            if msg is None or msg.get("t") == "exit":
                _reap(chan, children)
                return msg
            if msg.get("t") == "fork":
                # Workers then never scan (and so never copy) what they inherit.
                if hasattr(gc, "freeze"):
                    gc.freeze()
                prctl = prctl or _load_prctl()
                server = os.getpid()
                for spec in msg["workers"]:
                    pid = _fork()
                    if pid == 0:
                        _die_with(server, prctl)
                        chan.close()
                        return spec
                    children[pid] = spec["id"]
                    chan.send({"t": "forked", "worker": spec["id"], "pid": pid})
        _reap(chan, children)
    return None


def _reap(chan, children):
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        worker = children.pop(pid, None)
        if worker is not None:
            chan.send({"t": "exited", "worker": worker, "pid": pid, "status": _describe(status)})


def _describe(status):
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    return {"code": os.waitstatus_to_exitcode(status)}


def _fork():
    sys.stdout.flush()
    sys.stderr.flush()
    return os.fork()


def _load_prctl():
    """libc's prctl where there is one (Linux), else a stand-in that does nothing."""
    if not sys.platform.startswith("linux"):
        return lambda *args: 0
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return lambda *args: 0


def _die_with(server, prctl):
    """Have the kernel kill this child when the fork server dies.

    shoal starts the server so that it dies with shoal; a worker the
    server forked is the server's child, not shoal's, so the server passes
    it on. No worker outlives shoal, however shoal ends.
    """
    prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != server:
        os._exit(1)  # the server died before the signal was set: nobody waits for this child
