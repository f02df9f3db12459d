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
