#!/usr/bin/env python3
"""How shoal stops: a signal 3 s into a run of tests that take 30 s.

Each round starts ``shoal run -n 2`` on a generated suite (a test that
sleeps and starts a child process that sleeps, then short tests), sends
SIGINT, SIGTERM, SIGHUP or SIGKILL 3 s in, and measures:

- for SIGINT, SIGTERM and SIGHUP: seconds from the signal to shoal's exit,
  its exit code, whether the JUnit file and the run record were written,
  and the processes of the run still there when shoal has exited;
- for SIGKILL: seconds from the signal until no process of the run is left.

    python3 bench/stops.py --shoal bin/shoal --out OUT [--python PY] [--rounds 5] [--delay 3]

On a busy host, 3 s may come before the suite is collected; the record
(OUT/SIGNAL.N.json) says how many tests had run.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time

SUITE = '''import subprocess
import sys
import time

import pytest


def test_sleeps():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    time.sleep(30)


@pytest.mark.parametrize("n", range(100))
def test_short(n):
    time.sleep(0.3)
'''


def processes_in(d):
    """Live processes whose working directory is d."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            if os.readlink(f"/proc/{pid}/cwd") != d:
                continue
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    out.append(int(pid))
        except OSError:
            pass
    return out


def one(a, d, sig, r):
    files = os.path.join(a.out, f"{signal.Signals(sig).name}.{r}")
    for ext in (".xml", ".json"):
        if os.path.exists(files + ext):
            os.remove(files + ext)
    argv = [a.shoal, "run", "-n", "2", "--python", a.python, "--no-history", "--report-json", files + ".json",
            "--", "-p", "no:cacheprovider", "--junitxml", files + ".xml"]
    p = subprocess.Popen(argv, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(a.delay)
    sent = time.monotonic()
    p.send_signal(sig)
    code = p.wait()
    exited = time.monotonic() - sent
    left = processes_in(d)
    gone = exited
    while left and time.monotonic() - sent < 60:
        time.sleep(0.02)
        left = processes_in(d)
        gone = time.monotonic() - sent
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return {"exit_s": exited, "code": code, "junit": os.path.exists(files + ".xml"),
            "record": os.path.exists(files + ".json"), "left_at_exit": len(processes_in(d)) if not left else len(left),
            "none_left_s": gone if not left else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shoal", required=True)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--delay", type=float, default=3, help="seconds from start to signal (default 3)")
    a = ap.parse_args()
    a.out = os.path.abspath(a.out)
    d = os.path.join(a.out, "suite")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "pytest.ini"), "w") as f:
        f.write("[pytest]\n")
    with open(os.path.join(d, "test_stops.py"), "w") as f:
        f.write(SUITE)
    sigs = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL]
    results = {s: [] for s in sigs}
    for r in range(a.rounds):
        for s in sigs:
            results[s].append(one(a, d, s, r))
    print(f"| signal {a.delay:g} s in | runs | exit codes | s to exit (median, max) | JUnit, record written | s until none of the run is left (median, max) |")
    print("|---|---|---|---|---|---|")
    for s, runs in results.items():
        codes = ",".join(sorted({str(x["code"]) for x in runs}))
        ex = [x["exit_s"] for x in runs]
        written = f'{sum(x["junit"] for x in runs)}/{len(runs)}, {sum(x["record"] for x in runs)}/{len(runs)}'
        gone = [x["none_left_s"] for x in runs if x["none_left_s"] is not None]
        never = len(runs) - len(gone)
        g = f"{statistics.median(gone):.2f}, {max(gone):.2f}" if gone else ""
        if never:
            g += f" ({never} runs left processes for 60 s)"
        print(f"| {s.name} | {len(runs)} | {codes} | {statistics.median(ex):.2f}, {max(ex):.2f} | {written} | {g} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
