"""The fork server: the session process forks the controller and the workers.

It serves from pytest_load_initial_conftests (start.py): pytest, the
plugins and the command line are loaded, but no conftest, no
pytest_configure, no capture and no test module. A child forked here is
therefore what a freshly started pytest process would be at that point,
minus the start-up; and a crashed worker's replacement is forked from the
same state. The server tells shoal whether forking is safe (threads.py) in
its hello; shoal decides.

Commands from shoal:
  {"t": "fork", "workers": [spec, ...]}  fork one child per spec; each child
                                         leaves serve() with its spec
  {"t": "become", "spec": spec}          leave serve() with spec, in this
                                         process: it takes the role itself
                                         (shoal spawns the workers)
  {"t": "exit"}                          end the server
Messages to shoal: "hello" (role "server"), "forked" (worker, pid) and
"exited" (worker, pid, status) for each child.

A child dies with the server, as the server dies with shoal
(PR_SET_PDEATHSIG), so no worker outlives shoal.
"""

import os
import platform
import select
import signal
import sys

import pytest

from shoal_plugin import channel, threads

PR_SET_PDEATHSIG = 1


def serve(chan):
    """Serve shoal's commands. Returns (spec, chan, forked) in the process
    that goes on in a role: a forked child, with a channel of its own, or
    this process when told to become one. The server itself never returns:
    it exits when shoal says so or goes away."""
    can_fork, note = threads.fork_safety()
    chan.send(
        {
            "t": "hello",
            "role": "server",
            "protocol": channel.PROTOCOL_VERSION,
            "pid": os.getpid(),
            "python": sys.executable,
            "python_version": platform.python_version(),
            "pytest_version": pytest.__version__,
            "can_fork": can_fork,
            "fork_note": note,
        }
    )
    children = {}
    prctl = None
    while True:
        ready, _, _ = select.select([chan], [], [], 0.05)
        if ready or chan.has_line():
            msg = chan.recv()
            kind = None if msg is None else msg.get("t")
            if kind is None or kind == "exit":
                break
            if kind == "become":
                return msg["spec"], chan, False
            if kind == "fork":
                prctl = prctl or _load_prctl()
                server = os.getpid()
                for spec in msg["workers"]:
                    pid = _fork()
                    if pid == 0:
                        _die_with(server, prctl)
                        chan.close()
                        return spec, channel.connect(), True
                    children[pid] = spec.get("id", "")
                    chan.send({"t": "forked", "worker": spec.get("id", ""), "pid": pid})
        _reap(chan, children)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


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

    shoal starts the server so that it dies with shoal; a process the
    server forked is the server's child, not shoal's, so the server passes
    it on. No worker outlives shoal, however shoal ends.
    """
    prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != server:
        os._exit(1)  # the server died before the signal was set: nobody waits for this child


def fresh_random_state():
    """Give a forked child the random state a fresh process would have.

    Python's random module reseeds itself in a forked child. numpy's global
    random state, seeded once when the server imported numpy (a plugin may
    import it), does not: reseed it, as importing numpy in a fresh process
    would, so that no two processes draw the same numbers. What a conftest
    seeds at import comes later, in the child.
    """
    nprandom = sys.modules.get("numpy.random")
    seed = getattr(nprandom, "seed", None)
    if callable(seed):
        seed()
