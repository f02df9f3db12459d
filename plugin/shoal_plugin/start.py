"""Where a process becomes one of shoal's workers, forked or spawned.

A spawned worker reads its spec from the environment shoal started it with
and takes its identity and basetemp while pytest configures it. A forked
child of the session takes the same from the spec the fork server gave it,
after leaving the session's process group, output and random state behind.
Both then connect to shoal, say hello and run the worker loop.
"""

import faulthandler
import os
import sys
import tempfile
from pathlib import Path

from shoal_plugin import capture, channel, configure, loop


def spec_from_env():
    """A spawned worker's spec, as shoal passes it in the environment."""
    return {
        "id": os.environ["SHOAL_WORKER"],
        "count": int(os.environ["SHOAL_WORKER_COUNT"]),
        "uid": os.environ.get("PYTEST_XDIST_TESTRUNUID", ""),
        "basetemp": os.environ.get("SHOAL_BASETEMP", ""),
        "stacks": os.environ.get("SHOAL_STACKS", ""),
        "captured": os.environ.get("SHOAL_CAPTURED", ""),
    }


def take_identity(spec):
    """The environment pytest-xdist gives its workers."""
    os.environ["SHOAL_WORKER"] = spec["id"]
    os.environ["SHOAL_WORKER_COUNT"] = str(spec["count"])
    os.environ["PYTEST_XDIST_WORKER"] = spec["id"]
    os.environ["PYTEST_XDIST_WORKER_COUNT"] = str(spec["count"])
    os.environ["PYTEST_XDIST_TESTRUNUID"] = spec["uid"]


def take_basetemp(config, spec):
    """A basetemp of its own, so tmp_path never collides with another worker's.

    Call it once pytest's tmpdir plugin is configured.
    """
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None and spec.get("basetemp"):
        factory._given_basetemp = Path(spec["basetemp"])
        factory._basetemp = None


def take_env(spec):
    """The worker's own resources (TMPDIR, ports, database), for a forked
    worker: a spawned one starts with them in its environment."""
    env = spec.get("env") or {}
    os.environ.update(env)
    if "TMPDIR" in env:
        tempfile.tempdir = None  # gettempdir() reads TMPDIR again


def spawned(session, inventory):
    """Run a spawned worker, from its pytest_runtestloop."""
    spec = spec_from_env()
    _serve(session, inventory, spec, digest=inventory.digest())


def forked(session, inventory, spec):
    """Run a child the fork server made, from the session's pytest_runtestloop."""
    config = session.config
    configure.drop_cache_writers(config)  # the session writes the run's cache
    os.setpgid(0, 0)  # its own process group: shoal can end it with the tests' children
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is not None:
        # Children would otherwise share the zygote's capture files.
        capman.stop_global_capturing()
    _redirect_output(spec["log"])
    _faults_to_log()
    if capman is not None:
        capman.start_global_capturing()
        capman.suspend_global_capture()
    _fresh_random_state()
    take_identity(spec)
    take_env(spec)
    take_basetemp(config, spec)
    _serve(session, inventory, spec)


def _serve(session, inventory, spec, **hello):
    capture.keep(session.config, spec.get("captured", ""))
    chan = channel.connect()
    channel.forget_environment()
    chan.send({"t": "hello", "role": "worker", "worker": spec["id"], "pid": os.getpid(), **hello})
    loop.Loop(session, chan, inventory, stacks=spec.get("stacks", ""), captured=spec.get("captured", "")).run()


def _fresh_random_state():
    """Give this worker a random state of its own where it inherited one.

    Python's random module reseeds itself in a forked child; numpy's global
    random state, seeded once when the session imported it, does not, so
    every worker would draw the same numbers where separate processes (plain
    pytest, xdist, spawned workers) draw different ones.
    """
    nprandom = sys.modules.get("numpy.random")
    seed = getattr(nprandom, "seed", None)
    if callable(seed):
        seed()


def _faults_to_log():
    """Send faulthandler's reports (a segfault's stacks) to this worker's log.

    pytest points faulthandler at a copy of the session's stderr; shoal shows
    the end of a worker's log when it crashes.
    """
    if faulthandler.is_enabled():
        faulthandler.enable(file=os.dup(2), all_threads=True)


def _redirect_output(path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
