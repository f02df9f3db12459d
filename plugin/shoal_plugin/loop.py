"""The worker loop: run the items shoal sends, each with the right ``nextitem``.

An item is held until its successor is known (or shoal says there is none), so
module, class and session fixtures are torn down exactly when pytest would.

Tests are addressed by (file index, position in the file) of the Inventory;
a file is collected the first time one of its tests is asked for.

Commands from shoal:
  {"t": "collect", "files": [f, ...]} collect these files now and describe them
  {"t": "run", "items": [f, p, f, p, ...], "retries": n}
                                     tests to run, appended in order; a failed
                                     setup or call of a test's attempt below n
                                     is reported as pytest-rerunfailures
                                     reports its reruns (outcome "rerun")
  {"t": "run", "items": [f, p], "attempt": k, "retries": n}
                                     a retry (k from 1): the item before it
                                     runs with nextitem=None, so that it
                                     starts from a clean SetupState
  {"t": "drain"}                     run the held item with nextitem=None, then wait for more
  {"t": "stop"}                      run what is queued, the last with nextitem=None, then end
  {"t": "abort"}                     drop what has not started and end
  {"t": "gate", "failures": path, "maxfail": n}
                                     after a failure, wait for "go" (or "abort")
                                     before starting another test: --maxfail
                                     is counted across workers by shoal; and
                                     start no test once the run's failures,
                                     a byte each in the file at path, reach n
"""

import collections
import os
import select
import signal
import sys
import threading
import time

import pytest

from shoal_plugin import capture, reports, timeout

# In the queue, before a retry: the item ahead of it runs with nextitem=None.
FRESH = "fresh"


class Loop:
    def __init__(self, session, chan, inventory, stacks="", captured="", forward=False):
        self.session = session
        self.inventory = inventory
        self.config = session.config
        self.chan = chan
        self.queue = collections.deque()
        self.stopping = False
        self.draining = False
        self.aborted = False
        self.gated = False
        self.waiting = False
        # The run's failures so far, one byte each, in a file every worker
        # and shoal append to: no test starts once they reach maxfail.
        self.failures = None
        self.maxfail = 0
        self.reports = []
        self.spill = capture.Spill(captured)
        # held: the test that runs, or runs once its successor is known;
        # running: the test whose protocol runs now, since `since`.
        self.held = None
        self.running = None
        self.since = 0.0
        self.sigint = False
        self.interrupt_said = False
        # forward: the controller's plugins listen to test reports; each
        # "done" carries them in the form the controller's hooks take.
        self.forward = forward
        self.raw = []
        backstop = timeout.BACKSTOP if timeout.pytest_timeout_active(self.config) else 0.0
        self.timer = timeout.Timer(chan, stacks, timeout.DEFAULT, backstop)
        # retries: how many times shoal runs a failed test again; attempts:
        # which attempt each queued retry is; rerun: whether a failure of the
        # running test is a rerun, not the test's last word.
        self.retries = 0
        self.attempts = {}
        self.rerun = False
        self.config.pluginmanager.register(self, "shoal-loop")
        self.config.pluginmanager.register(inventory, "shoal-inventory")
        self.config.pluginmanager.register(self.timer, "shoal-timer")

    # pytest hooks, registered on this object while the loop runs
    def pytest_runtest_logreport(self, report):
        self.reports.append(reports.encode(self.config, report, self.spill))
        if self.forward:
            self.raw.append(report)
        if report.failed and not hasattr(report, "wasxfail"):
            # At once, not after the test's teardown: pytest starts no test
            # after this failure, nor should another worker.
            self._count_failure()

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        rep = outcome.get_result()
        if self.rerun and rep.failed and rep.when in ("setup", "call") and not hasattr(rep, "wasxfail"):
            # What pytest-rerunfailures does to a failure it reruns: no
            # plugin counts it as failed (nor towards --maxfail).
            rep.outcome = "rerun"

    def pytest_report_teststatus(self, report):
        if report.outcome == "rerun":
            return "rerun", "R", ("RERUN", {"yellow": True})

    def pytest_warning_recorded(self, warning_message, when, nodeid, location):
        self.chan.send(reports.warning_message(self.config, warning_message, when, nodeid, location))

    def _handle(self, msg):
        if msg is None and self.chan.abandoned:
            # A child that a test forked came back here instead of exiting:
            # the tests are its parent's to run.
            self.aborted = True
            return
        if msg is None:  # shoal went away: finish as if told to stop
            self.stopping = True
            self.waiting = False
            return
        kind = msg.get("t")
        if kind == "run":
            refs = msg["items"]
            self.retries = msg.get("retries", self.retries)
            if "attempt" in msg:
                ref = (refs[0], refs[1])
                self.attempts[ref] = msg["attempt"]
                self.queue.extend((FRESH, ref))
            else:
                self.queue.extend(zip(refs[0::2], refs[1::2]))
        elif kind == "collect":
            for fid in msg["files"]:
                self._collect(fid)
        elif kind == "drain":
            self.draining = True
        elif kind == "stop":
            self.stopping = True
        elif kind == "abort":
            self.aborted = True
        elif kind == "gate":
            self.gated = True
            self.failures = msg.get("failures")
            self.maxfail = msg.get("maxfail", 0)
        elif kind == "go":
            # The failure did not reach --maxfail: carry on with the queue.
            self.waiting = False

    def _read(self, block):
        if block or self.chan.has_line():
            self._handle(self.chan.recv())
            return
        while True:
            ready, _, _ = select.select([self.chan], [], [], 0)
            if not ready:
                return
            self._handle(self.chan.recv())
            if not self.chan.has_line():
                return

    def _collect(self, fid):
        self.sigint = False
        described = self.inventory.collect(fid)
        if self.sigint:
            raise KeyboardInterrupt  # pytest made a collection error of it
        if described is not None:
            self.chan.send(described)

    def _item(self, ref):
        fid, pos = ref
        self._collect(fid)
        return self.inventory.item(fid, pos)

    def run(self):
        """Run what shoal sends until told to stop. A KeyboardInterrupt (the
        SIGINT shoal sends its workers when the run is interrupted, or one
        a test raises) ends the loop as it ends pytest: shoal hears which
        test it stopped and where, then pytest ends the session."""
        previous = self._hear_sigint()
        try:
            self._serve()
        except (KeyboardInterrupt, pytest.exit.Exception):
            self._interrupted(sys.exc_info())
            raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
            self.config.pluginmanager.unregister(self, "shoal-loop")
            self.config.pluginmanager.unregister(self.inventory, "shoal-inventory")
            self.config.pluginmanager.unregister(self.timer, "shoal-timer")
            self.config.pluginmanager.register(Farewell(self.chan), "shoal-farewell")
        self._bye()

    def _serve(self):
        while True:
            if self.aborted:
                break
            while self.held is None and self.queue:
                self.held = self.queue.popleft()
                if self.held == FRESH:
                    self.held = None
            if self.held is None:
                if self.stopping:
                    break
                else:
                    self._read(block=True)
                    continue
            while not self.queue and not self.stopping and not self.draining and not self.aborted:
                self._read(block=True)
            if self.aborted:
                break
            if self.queue and self.queue[0] == FRESH:
                nextitem = None
            elif self.queue:
                nextitem = self._item(self.queue[0])
            else:
                nextitem = None
                self.draining = False
            if self._stopped_by_failures():
                break
            failed = self._run_one(self.held, self._item(self.held), nextitem)
            self.held = None
            self.waiting = failed and self.gated
            self._read(block=False)
            while self.waiting and not self.aborted:
                self._read(block=True)
            if self.session.shouldfail or self.session.shouldstop:
                break

    def _hear_sigint(self):
        """Note every SIGINT while the loop runs, where Python's own handler
        would raise KeyboardInterrupt; returns the handler to put back.

        pytest turns a KeyboardInterrupt during collection into a collection
        error of the file; _collect raises it again.
        """
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            return None  # the suite handles Ctrl-C its own way
        return signal.signal(signal.SIGINT, self._on_sigint)

    def _on_sigint(self, signum, frame):
        # Hidden, so that pytest says the test's line was where the
        # KeyboardInterrupt came, as under its own handler.
        __tracebackhide__ = True
        self.sigint = True
        raise KeyboardInterrupt

    def _bye(self):
        """Name the tests shoal sent and this worker did not run."""
        unrun = ([self.held] if self.held not in (None, self.running) else []) + [r for r in self.queue if r != FRESH]
        self.chan.send({"t": "bye", "unrun": [x for ref in unrun for x in ref]})

    def _interrupted(self, exc_info):
        self.interrupt_said = True
        msg = interrupted_message(self.config, exc_info)
        if self.running is not None:
            nodeid = self.inventory.item(*self.running).nodeid  # collected: it ran
            msg.update({"f": self.running[0], "p": self.running[1], "nodeid": nodeid, "start": self.since, "stop": time.time()})
        self.chan.send(msg)
        self._bye()

    def _run_one(self, ref, item, nextitem):
        self.reports = []
        self.spill.next_test()
        self.raw = []
        attempt = self.attempts.pop(ref, 0)
        self.rerun = attempt < self.retries
        if attempt and hasattr(item, "_initrequest"):
            # The item ran before: its fixture values go, as
            # pytest-rerunfailures clears them before a rerun.
            item._initrequest()
        self.timer.start(ref, item)
        start, cpu = time.time(), time.process_time()
        self.running, self.since = ref, start
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        self.running = None
        stop, cpu = time.time(), time.process_time() - cpu
        msg = {"t": "done", "f": ref[0], "p": ref[1], "start": start, "stop": stop, "cpu": round(cpu, 6)}
        plain = reports.is_plain_pass(self.reports)
        if plain:
            msg["ok"] = [r["dur"] for r in self.reports]
        else:
            msg["reports"] = self.reports
        if self.forward:
            msg["fwd"] = reports.for_controller(self.config, item, self.raw, plain)
        self.chan.send(msg)
        return any(r["outcome"] == "failed" and "wasxfail" not in r for r in self.reports)

    def _count_failure(self):
        if self.failures:
            fd = os.open(self.failures, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, b"F")
            finally:
                os.close(fd)

    def _stopped_by_failures(self):
        """Whether the run's failures reached --maxfail: pytest starts no test after that."""
        if not self.failures or self.maxfail <= 0:
            return False
        try:
            return os.stat(self.failures).st_size >= self.maxfail
        except OSError:
            return False


def interrupted_message(config, exc_info):
    """What shoal hears of a KeyboardInterrupt or pytest.exit that ends the
    worker's session: pytest's title for it, where it was, the traceback
    (under --full-trace), and pytest.exit's return code."""
    title, where, trace = reports.interruption(exc_info, getattr(config.option, "fulltrace", False))
    msg = {"t": "interrupted", "title": title, "message": where, "trace": trace}
    if isinstance(exc_info[1], pytest.exit.Exception):
        msg["returncode"] = exc_info[1].returncode
    return msg


class Farewell:
    """Tells shoal that pytest is done with this worker, and which threads
    that are no daemons still run: Python waits for those before the
    process exits, for ever if they never end. shoal ends a worker that
    has not exited a little after this (pytest-xdist does so too)."""

    def __init__(self, chan):
        self.chan = chan

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config):
        main = threading.main_thread()
        left = [t.name for t in threading.enumerate() if t is not main and not t.daemon and t.is_alive()]
        self.chan.send({"t": "ended", "threads": left})
