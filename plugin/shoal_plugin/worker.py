"""The worker role: an ordinary pytest session that runs what shoal sends.

A worker lives pytest-xdist's worker lifecycle, forked or spawned alike:

- its environment says who it is (PYTEST_XDIST_WORKER, its TMPDIR, ports…)
  before any conftest is imported;
- config.workerinput, which the controller's pytest_configure_node filled,
  is set before pytest_configure, with config.workeroutput empty;
- pytest_sessionstart tells the controller it is ready; it walks the suite
  and tells shoal the files it found; it collects the files and runs the
  tests shoal sends (loop.py);
- at the end of its session config.workeroutput (with its exit status)
  goes back to the controller's pytest_testnodedown.
"""

import os
import tempfile

import pytest

from shoal_plugin import capture, channel, collect, configure, exitgc, fixtures, logs, loop, marks, nodes, reports, timeout, zygote

def spawned():
    """Whether shoal started this process as a worker of its own."""
    return os.environ.get("SHOAL_MODE") == "worker"


def spec_from_env():
    """A spawned worker's spec, as shoal passes it in the environment."""
    return {
        "role": "worker",
        "id": os.environ["SHOAL_WORKER"],
        "count": int(os.environ["SHOAL_WORKER_COUNT"]),
        "uid": os.environ.get("PYTEST_XDIST_TESTRUNUID", ""),
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


def take_env(spec):
    """The worker's own resources (TMPDIR, ports, database), for a forked
    worker: a spawned one starts with them in its environment."""
    env = spec.get("env") or {}
    os.environ.update(env)
    if "TMPDIR" in env:
        tempfile.tempdir = None  # gettempdir() reads TMPDIR again


def become(config, chan, spec, forked):
    """Make this process the worker spec describes, from the start of
    pytest_load_initial_conftests: before any conftest is imported."""
    if forked:
        os.setpgid(0, 0)  # its own process group: shoal can end it with the tests' children
        for fd in channel.TERMINAL_FDS:  # shoal's own stdout and stderr
            _close(fd)
        _redirect_output(spec["log"])
        zygote.fresh_random_state()
        take_env(spec)
    take_identity(spec)
    channel.forget_environment()
    chan.send({"t": "hello", "role": "worker", "worker": spec["id"], "pid": os.getpid()})
    config.pluginmanager.register(Worker(config, chan, spec), "shoal-worker")
    exitgc.skip_final_collections(config)


class Worker:
    """The worker's hooks."""

    def __init__(self, config, chan, spec):
        self.config = config
        self.chan = chan
        self.spec = spec
        self.forward = False
        self.inventory = None
        self.walking = True
        self.collect_reports = []
        self.deselected = 0
        self.warnings = []
        self.loop = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_cmdline_main(self, config):
        configure.adopt_command_line(config)
        msg = self.chan.recv()
        kind = None if msg is None else msg.get("t")
        if kind == "workerinput":
            self._take_workerinput(config, msg)
            return None
        return 0  # shoal has no more use for this worker: it ends before configuring

    def _take_workerinput(self, config, msg):
        """What xdist sets before a worker's pytest_cmdline_main: config.workerinput, as the
        controller's pytest_configure_node left it, an empty config.workeroutput, its basetemp."""
        workerinput = msg.get("workerinput")
        # Without a controller (shoal plan, shoal verify's collection) the
        # process collects as `pytest --collect-only` does: a session of its
        # own, with no workerinput that the controller's plugins (none ran
        # pytest_configure_node) would have filled.
        if workerinput is not None:
            config.workerinput = workerinput
        config.workeroutput = {}
        self.forward = bool(msg.get("forward"))
        if msg.get("basetemp"):
            config.option.basetemp = msg["basetemp"]  # popen-gwN under the controller's, as xdist

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config):
        configure.take_over_reporting(config)
        fixtures.register(config)
        marks.register(config)
        timeout.register_marker(config)
        logs.install()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session):
        self.chan.send({"t": "ready", "info": nodes.worker_info()})

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session):
        config = session.config
        try:
            inv = collect.collect_session(session)
        except pytest.UsageError as e:
            # A path that does not exist, say: pytest ends with exit code 4.
            self.chan.send({"t": "usage_error", "text": "\n".join(str(a) for a in e.args)})
            raise
        self.inventory = inv
        self.walking = False
        errors = [reports.encode_collect(config, r) for r in self.collect_reports] + inv.mark_errors()
        self.chan.send(
            {
                "t": "files",
                "lazy": inv.lazy,
                "files": inv.describe(),
                "digest": inv.digest(),
                "deselected": self.deselected,
                "errors": errors,
                "warnings": self.warnings,
            }
        )
        return True

    # While the worker walks the suite: what the walk reports.
    def pytest_collectreport(self, report):
        if self.walking and not report.passed:
            self.collect_reports.append(report)

    def pytest_deselected(self, items):
        if self.walking:
            self.deselected += len(items)

    def pytest_warning_recorded(self, warning_message, when, nodeid, location):
        if self.walking:
            self.warnings.append(reports.warning_message(self.config, warning_message, when, nodeid, location))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        config = session.config
        configure.drop_cache_writers(config)
        capture.keep(config, self.spec.get("captured", ""))
        self.loop = loop.Loop(
            session, self.chan, self.inventory, stacks=self.spec.get("stacks", ""),
            captured=self.spec.get("captured", ""), forward=self.forward,
        )
        self.loop.run()
        return True

    @pytest.hookimpl(hookwrapper=True)
    def pytest_sessionfinish(self, session, exitstatus):
        config = session.config
        config.workeroutput["exitstatus"] = int(exitstatus)
        yield
        self.chan.send({"t": "finished", "workeroutput": config.workeroutput})

    def pytest_keyboard_interrupt(self, excinfo):
        """A KeyboardInterrupt or pytest.exit ends the session, as it ends
        pytest's: the run stops. The loop tells shoal of one in a test."""
        if self.loop is None or not self.loop.interrupt_said:
            self.chan.send(loop.interrupted_message(self.config, (excinfo.type, excinfo.value, excinfo.tb)))

    def pytest_internalerror(self, excrepr, excinfo):
        self.chan.send({"t": "internal_error", "text": str(excrepr)})


def _close(fd):
    try:
        os.close(fd)
    except OSError:
        pass


def _redirect_output(path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
