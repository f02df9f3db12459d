"""What the controller prints at the end of the run, for shoal to show.

From the end of the run on, the controller's stdout and stderr go to a
file. pytest's terminal reporter would print, in its pytest_sessionfinish,
the errors, failures, warnings and passes, then the other plugins' terminal
summaries, then the short test summary, then the stats line; shoal prints
those parts of its own, so here they print nothing and mark instead where
they would have gone ("summary", "short", "stats": offsets in the file).
shoal puts its parts at those marks and the rest of the file between them:
the session's hooks' output lands where pytest -n prints it. A mark that is
missing is a part pytest would not have printed (--no-summary, an exit
status that skips the summary, a pytest_sessionfinish that raised).
"""

import os
import sys


class Output:
    def __init__(self, path):
        self.path = path
        self.points = {}

    def take_summary(self, tr):
        """Replace the terminal reporter's own summary parts by marks."""
        if tr is None:
            return
        tr.summary_errors = lambda: self.mark("summary")
        for name in ("summary_failures", "summary_xfailures", "summary_warnings", "summary_passes", "summary_xpasses"):
            if hasattr(tr, name):
                setattr(tr, name, _nothing)
        tr.short_test_summary = lambda: self.mark("short")
        tr.summary_stats = lambda: self.mark("stats")
        # It reports an interrupt only where a test's is its memo (the
        # controller's pytest_keyboard_interrupt): shoal says itself why it
        # stopped a run.
        report_interrupt = tr._report_keyboardinterrupt

        def report_test_interrupt():
            if tr._keyboardinterrupt_memo is not None:
                report_interrupt()

        tr._report_keyboardinterrupt = report_test_interrupt

    def start(self, config):
        """Send stdout and stderr to the file from now on."""
        if not self.path or self.points.get("start") is not None:
            return
        _flush()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        # pytest's fd capture puts back the descriptors it saved when it
        # started, whenever it suspends or stops: those must lead here too.
        capman = config.pluginmanager.getplugin("capturemanager")
        multi = getattr(capman, "_global_capturing", None)
        for name in ("out", "err"):
            saved = getattr(getattr(multi, name, None), "targetfd_save", None)
            if isinstance(saved, int):
                os.dup2(fd, saved)
        os.close(fd)
        self.points["start"] = 0

    def mark(self, name):
        if self.points.get("start") is None:
            return
        _flush()
        try:
            self.points[name] = os.fstat(1).st_size
        except OSError:
            pass


def _nothing():
    pass


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


class _Text:
    """Text that prints itself on a terminal writer, as pytest's reprs do."""

    def __init__(self, text, message=""):
        self.text = text if text.endswith("\n") else text + "\n"
        self.message = message

    def toterminal(self, tw):
        tw.write(self.text)


class _Memo(_Text):
    """A worker's interrupt as the terminal reporter's memo of one."""

    def __init__(self, interrupt):
        super().__init__(interrupt.get("trace") or interrupt.get("message", ""))
        self.reprcrash = _Text(interrupt.get("message", ""), interrupt["title"])


def interrupt_memo(interrupt):
    """The memo the terminal reporter prints for a test's interrupt; None
    where shoal interrupted the run (it says so itself)."""
    if not interrupt or not interrupt.get("title"):
        return None
    return _Memo(interrupt)
