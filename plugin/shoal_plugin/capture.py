"""Keep what a test captures where shoal can read it if the worker dies.

pytest's fd capture writes a test's output to unnamed temporary files, which
go with the process: a test that crashes its worker or runs past its timeout
would take its output with it. Pointing those files' descriptors at named
files in shoal's run directory changes nothing else: pytest still reads and
empties them after each phase, so they hold the running phase's output.
"""

import os


def keep(config, prefix):
    """Move the capture files of fds 1 and 2 to PREFIX.out and PREFIX.err.

    Call it while no test runs, once pytest's global capturing has started.
    Any capture method other than fd leaves nothing to move.
    """
    if not prefix:
        return
    capman = config.pluginmanager.getplugin("capturemanager")
    multi = getattr(capman, "_global_capturing", None)
    for name in ("out", "err"):
        cap = getattr(multi, name, None)
        tmpfile = getattr(cap, "tmpfile", None)
        if tmpfile is None or getattr(cap, "targetfd", None) not in (1, 2):
            continue
        try:
            fd = tmpfile.fileno()
            if os.fstat(fd).st_size:
                continue  # it holds output already: leave it alone
            named = os.open(prefix + "." + name, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(named, fd, inheritable=False)
            os.close(named)
        except (OSError, ValueError, AttributeError):
            continue


# Output up to this many characters travels inside the test's result; past it,
# in a file of its own, so that neither the worker nor shoal holds a message
# as large as everything a test printed.
SPILL_AT = 64 * 1024


class Spill:
    """Writes large captured sections to files named PREFIX-PID-N.

    pytest repeats a test's sections in every later phase's report (the
    teardown report holds the call's output too); the same text is
    written once per test and named in each report that carries it.
    """

    def __init__(self, prefix):
        self.prefix = "%s-%d" % (prefix, os.getpid()) if prefix else ""
        self.count = 0
        self.written = []  # (text, path) of the running test

    def next_test(self):
        self.written = []

    def sections(self, sections):
        """The report's sections as the protocol carries them: [name, text]
        or, past SPILL_AT, [name, "", file]."""
        out = []
        for name, content in sections:
            path = self._file_of(content) if len(content) > SPILL_AT else None
            out.append([name, content] if path is None else [name, "", path])
        return out

    def _file_of(self, content):
        if not self.prefix:
            return None
        for text, path in self.written:
            if text is content:
                return path
        self.count += 1
        path = "%s-%d.txt" % (self.prefix, self.count)
        try:
            with open(path, "w", encoding="utf-8", errors="backslashreplace", newline="") as f:
                f.write(content)
        except OSError:
            return None  # a full disk: the text travels in the message after all
        self.written.append((content, path))
        return path
