"""The benchmark's process handling: as a child subreaper it must reap the
orphans it adopts while a run goes on, as init would."""

import os
import subprocess
import sys
import textwrap

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A step whose child forks a grandchild and exits at once; the step then
# waits until the grandchild is gone, as psutil's own suite does (exit 0),
# or gives up after WAIT seconds (exit 3).
STEP = textwrap.dedent("""
    import os, sys, time
    r, w = os.pipe()
    if os.fork() == 0:
        pid = os.fork()
        if pid == 0:
            time.sleep(0.2)
            os._exit(0)
        os.write(w, str(pid).encode())
        os._exit(0)
    os.wait()
    grandchild = int(os.read(r, 32))
    deadline = time.time() + float(os.environ['WAIT'])
    while time.time() < deadline:
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            sys.exit(0)
        time.sleep(0.05)
    sys.exit(3)
""")

# The benchmark's side, in a process of its own: becoming a subreaper is
# for the life of the process.
HARNESS = textwrap.dedent("""
    import subprocess, sys
    sys.path.insert(0, sys.argv[1])
    import runners
    assert runners.become_subreaper()
    proc = subprocess.Popen([sys.executable, "-c", sys.argv[2]])
    reaper = runners.OrphanReaper(proc.pid) if sys.argv[3] == "reap" else None
    code = proc.wait(60)
    if reaper:
        reaper.stop()
    sys.exit(code)
""")


def harness(mode, wait):
    env = dict(os.environ, WAIT=str(wait))
    return subprocess.run([sys.executable, "-c", HARNESS, BENCH, STEP, mode], env=env, timeout=90).returncode


def test_orphans_are_reaped_while_a_step_runs():
    assert harness("reap", wait=30) == 0


def test_without_the_reaper_the_orphan_stays_a_zombie():
    # The check above can fail: a subreaper that does not reap keeps the
    # grandchild's pid alive, and the step gives up.
    assert harness("none", wait=2) == 3
