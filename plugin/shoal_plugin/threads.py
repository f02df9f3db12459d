"""Whether this process can fork safely, and why not.

Only the thread that calls fork() lives on in the child; a lock another
thread held stays locked there forever. So the fork server forks only when
every thread it runs besides its main one belongs to a pool that is known to
shut down before a fork and start again after it. The operating system's
list of threads (/proc/self/task) counts them all, also those that native
libraries start, which Python's threading module does not know of.

Known to survive a fork: OpenBLAS built with pthreads (it stops its pool in a
pthread_atfork handler and starts it again when next used). Known not to:
GNU OpenMP (libgomp) once its thread team has started: a child that runs
OpenMP code waits forever for threads that are not there.
"""

import ctypes
import os
import threading


def os_threads():
    """How many threads the operating system says this process runs; None where it cannot say."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def _loaded_libraries():
    """The shared libraries this process has loaded, by path."""
    paths = set()
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                fields = line.split()
                if len(fields) >= 6 and ".so" in fields[5]:
                    paths.add(fields[5])
    except OSError:
        pass
    return paths


def _openblas_threads(libraries):
    """Threads the loaded OpenBLAS (pthreads build) runs besides the caller's."""
    for path in sorted(libraries):
        name = os.path.basename(path)
        # The OpenMP build (libopenblaso, in openblas-openmp/) runs GNU OpenMP's threads.
        if not name.startswith("libopenblas") or name.startswith("libopenblaso") or "openmp" in path:
            continue
        try:
            lib = ctypes.CDLL(path)
            return max(0, int(lib.openblas_get_num_threads()) - 1)
        except (OSError, AttributeError):
            return 0
    return 0


def fork_safety():
    """(True, note) when forking this process is safe, else (False, why)."""
    if not hasattr(os, "fork"):
        return False, "this platform cannot fork"
    python = threading.active_count()
    if python > 1:
        return False, "the fork server runs %d Python threads" % python
    total = os_threads()
    if total is None:
        return True, ""
    if total <= 1:
        return True, ""
    libraries = _loaded_libraries()
    native = total - 1
    unexplained = native - _openblas_threads(libraries)
    if unexplained <= 0:
        return True, "%s in the fork server, restarted after the fork" % _threads(native, "OpenBLAS thread")
    if any("libgomp" in os.path.basename(p) for p in libraries):
        return False, (
            "the fork server runs %s and GNU OpenMP (libgomp) is loaded: "
            "its threads do not survive a fork" % _threads(unexplained, "native thread")
        )
    return False, "the fork server runs %s that shoal cannot account for" % _threads(unexplained, "native thread")


def _threads(n, what):
    return "%d %s%s" % (n, what, "" if n == 1 else "s")
