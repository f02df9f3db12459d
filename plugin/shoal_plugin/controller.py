"""The controller role: the session that pytest-xdist's controller is.

The controller collects nothing and runs no test; it lives pytest's
lifecycle for the whole run, as xdist's controller does:

- pytest_configure without config.workerinput; pytest_sessionstart, where
  pytest prints its header;
- pytest_configure_node for each worker before it starts (what plugins add
  to node.workerinput goes to that worker), pytest_testnodeready when it
  has started, pytest_testnodedown with node.workeroutput when it is done;
- every test's reports as the workers made them (pytest_runtest_logstart,
  pytest_runtest_logreport, pytest_runtest_logfinish), when some plugin
  listens to them or reads the terminal reporter's statistics;
- the end: pytest_sessionfinish with the run's exit status, the terminal
  summary (pytest-cov's table, --durations, plugins' own sections),
  pytest_unconfigure. The process's exit status is the run's.

shoal prints the progress, the failures, the short summary and the stats
line itself. The controller's terminal reporter keeps its statistics but
prints none of those; everything else the session prints reaches the user:
the controller writes to shoal's stdout and stderr, and from the end of the
run on into a file that shoal shows, with marks (output.py) where pytest
would print the parts shoal prints.

Commands from shoal:
  {"t": "nodeready", "worker", "info"}      a worker started its session
  {"t": "nodedown", "worker", "workeroutput", "error"}
  {"t": "configure_node", "worker"}         a replacement worker is starting
  {"t": "collected", "count"}               tests collected across the workers
  {"t": "test", "worker", "fwd"}            one test's reports (see reports.for_controller)
  {"t": "finish", "status", "reason", "failed", "collected", "interrupt", "usage_error"}
Messages to shoal: "hello" (role "session"), "workerinput" for each worker,
"finished" with the marks of its output.
"""

import os
import platform
import sys

import pytest

from shoal_plugin import cache, channel, configure, exitgc, logs, nodes, output, zygote

# Hooks through which plugins follow tests: a plugin that implements one
# (or --durations) makes the workers send every report to the controller.
_LISTENING_HOOKS = (
    "pytest_runtest_logstart",
    "pytest_runtest_logreport",
    "pytest_runtest_logfinish",
    "pytest_terminal_summary",
)


def become(config, chan, spec, forked):
    """Make this process the controller, from the start of
    pytest_load_initial_conftests: before any conftest is imported."""
    for target, fd in zip((1, 2), channel.TERMINAL_FDS):
        try:
            os.dup2(fd, target)
            os.close(fd)
        except OSError:
            pass  # not started by shoal's runner: keep the output as it is
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)
    if forked:
        zygote.fresh_random_state()
    config.pluginmanager.register(Controller(config, chan, spec), "shoal-controller")
    exitgc.skip_final_collections(config)


class Controller:
    """The controller's hooks."""

    def __init__(self, config, chan, spec):
        self.config = config
        self.chan = chan
        self.spec = spec
        self.session = None
        self.nodemanager = None
        self.nodes = {}
        self.interrupt = None
        self.output = output.Output(spec.get("output", ""))
        self.terminal = None
        self.hooks = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_cmdline_main(self, config):
        configure.adopt_command_line(config)
        configure.check_options(config)

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config):
        self.options = configure.options_for_go(config)
        configure.take_run_basetemp(config)
        configure.take_over_reporting(config)
        channel.forget_environment()
        logs.install()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session):
        """After pytest printed its header: say hello to shoal and configure the workers' nodes."""
        config = session.config
        self.session = session
        self.terminal = config.pluginmanager.get_plugin("terminalreporter")
        self.output.take_summary(self.terminal)
        # The reports reach every plugin but the terminal reporter, which
        # shoal plays, and pytest's cache writers, which take the run's
        # outcomes at its end (cache.py).
        skip = [self.terminal] + [config.pluginmanager.get_plugin(name) for name in cache.WRITERS]
        for name in _LISTENING_HOOKS[:3] + ("pytest_collectreport",):
            self.hooks[name] = config.pluginmanager.subset_hook_caller(name, [p for p in skip if p])
        forward = self._listening()
        self.chan.send(
            {
                "t": "hello",
                "role": "controller",
                "protocol": channel.PROTOCOL_VERSION,
                "pid": os.getpid(),
                "python": sys.executable,
                "python_version": platform.python_version(),
                "pytest_version": pytest.__version__,
                "rootdir": str(config.rootpath),
                "invocation_dir": str(config.invocation_params.dir),
                "header": configure.header(config),
                "options": self.options,
                "basetemp": str(config._tmp_path_factory.getbasetemp()),
                "forward": forward,
            }
        )
        self.nodemanager = nodes.NodeManager(config, self.spec["count"], self.spec["uid"])
        for i in range(self.spec["count"]):
            self._configure_node("gw%d" % i)

    def _listening(self):
        """Whether a plugin follows the tests' reports: then the workers send them."""
        if self.config.option.durations is not None:
            return True
        for name in _LISTENING_HOOKS:
            for impl in getattr(self.config.hook, name).get_hookimpls():
                if impl.plugin is self.terminal:
                    continue
                module = getattr(impl.function, "__module__", "") or ""
                if not (module.startswith("_pytest.") or module.startswith("shoal_plugin")):
                    return True
        return False

    def _configure_node(self, wid):
        node = nodes.Node(self.config, self.nodemanager, wid)
        self.config.hook.pytest_configure_node(node=node)
        self.nodes[wid] = node
        self.chan.send({"t": "workerinput", "worker": wid, "workerinput": node.workerinput})

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session):
        return True  # the workers collect, as under xdist

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        try:
            finish = self._relay(session)
        finally:
            self.output.start(session.config)
        self._finish(session, finish)
        return True

    def _relay(self, session):
        """Take shoal's news of the workers until it says the run is over."""
        while True:
            msg = self.chan.recv()
            kind = None if msg is None else msg.get("t")
            if kind is None or kind == "finish":
                return msg or {"status": 2, "reason": "shoal went away"}
            if kind == "test":
                self._test(msg.get("worker", ""), msg["fwd"])
            elif kind == "nodeready":
                node = self.nodes.get(msg["worker"])
                if node is not None:
                    node.workerinfo = dict(msg.get("info") or {}, id=node.gateway.id, spec=node.gateway.spec)
                    self.config.hook.pytest_testnodeready(node=node)
            elif kind == "nodedown":
                node = self.nodes.get(msg["worker"])
                if node is not None and not node._down:
                    node._down = True
                    node.workeroutput = msg.get("workeroutput") or {}
                    self.config.hook.pytest_testnodedown(node=node, error=msg.get("error"))
            elif kind == "configure_node":
                self._configure_node(msg["worker"])
            elif kind == "collected":
                session.testscollected = msg.get("count", 0)

    def _test(self, wid, fwd):
        """One test's reports, through the hooks, as xdist's controller passes them on."""
        config = self.config
        nodeid, location = fwd["nodeid"], tuple(fwd["location"])
        extra = {"worker_id": wid, "testrun_uid": self.spec["uid"]}
        if "crash" in fwd:
            # The test took its worker down: the report xdist's controller makes.
            reps = [pytest.TestReport(nodeid, location, {}, "failed", fwd["crash"], "???", **extra)]
        elif "reports" in fwd:
            reps = []
            for data in fwd["reports"]:
                rep = config.hook.pytest_report_from_serializable(config=config, data=data)
                rep.__dict__.update(extra)
                reps.append(rep)
        else:
            keywords = dict.fromkeys(fwd["kw"], 1)
            reps = [
                _plain_pass(nodeid, location, keywords, when, times, extra)
                for when, times in zip(("setup", "call", "teardown"), fwd["times"])
            ]
        self.hooks["pytest_runtest_logstart"](nodeid=nodeid, location=location)
        for rep in reps:
            self.hooks["pytest_runtest_logreport"](report=rep)
            self._count(rep)
        self.hooks["pytest_runtest_logfinish"](nodeid=nodeid, location=location)

    def _count(self, rep):
        """What the terminal reporter does with a report, but print it."""
        tr = self.terminal
        if tr is None:
            return
        category = self.config.hook.pytest_report_teststatus(report=rep, config=self.config)[0]
        tr._add_stats(category, [rep])

    def _finish(self, session, msg):
        """End the run as shoal found it ended: pytest's _main then gives
        the same exit status, and pytest_sessionfinish sees it."""
        status = msg.get("status", 0)
        cache.record(self.config, msg.get("results") or {})
        if msg.get("usage_error"):
            # pytest prints it as it ends, with exit code 4.
            raise pytest.UsageError(msg["usage_error"])
        session.testscollected = msg.get("collected", session.testscollected)
        session.testsfailed = msg.get("failed", 0)
        self.interrupt = msg.get("interrupt")
        if status == 0:
            session.testsfailed = 0
            session.testscollected = max(session.testscollected, 1)
        elif status == 1:
            session.testsfailed = max(session.testsfailed, 1)
        elif status == 5:
            session.testsfailed = session.testscollected = 0
        elif status == 2 and self.interrupt is None:
            raise session.Interrupted(msg.get("reason") or "interrupted")
        elif status == 2 and self.interrupt.get("returncode") is None:
            raise KeyboardInterrupt()
        else:
            raise pytest.exit.Exception(msg.get("reason") or "", returncode=status)

    def pytest_keyboard_interrupt(self, excinfo):
        """The terminal reporter shows the interrupt of a test as pytest
        does; shoal says itself why it stopped a run."""
        tr = self.terminal
        if tr is not None:
            tr._keyboardinterrupt_memo = output.interrupt_memo(self.interrupt)

    @pytest.hookimpl(tryfirst=True)
    def pytest_unconfigure(self, config):
        self.chan.send({"t": "finished", "points": self.output.points})


def _plain_pass(nodeid, location, keywords, when, times, extra):
    duration, start, stop = times
    kwargs = dict(extra)
    if start is not None:
        kwargs.update(start=start, stop=stop)
    return pytest.TestReport(nodeid, location, keywords, "passed", None, when, [], duration, **kwargs)
