#!/usr/bin/env python3
"""Captured output at scale: pytest against shoal on tests that print a lot.

Two generated suites, each run by serial pytest and by shoal in turn, round
by round:

- ``one_big``: one passing test that prints 130 MB;
- ``many``: 20 passing tests that print 10 MB each.

Per run: wall seconds and exit code; for shoal also its own peak RSS
(SHOAL_SELF_STATS), which must stay bounded however much the tests print.
Prints a markdown table of medians.

    python3 bench/output.py --shoal bin/shoal --out OUT [--python PY] [--rounds 3] [--workers 2]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

SUITES = {
    # name: (tests, megabytes each)
    "one_big": (1, 130),
    "many": (20, 10),
}

TEST = '''import sys

LINE = "x" * 1023 + "\\n"


@pytest.mark.parametrize("n", range({tests}))
def test_prints(n):
    for _ in range({mb} * 1024):
        sys.stdout.write(LINE)
'''


def write_suite(root, name, tests, mb):
    d = os.path.join(root, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "pytest.ini"), "w") as f:
        f.write("[pytest]\n")
    with open(os.path.join(d, "test_prints.py"), "w") as f:
        f.write("import pytest\n" + TEST.format(tests=tests, mb=mb))
    return d


def run(argv, cwd, env):
    start = time.monotonic()
    p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.monotonic() - start, p.returncode, p.stderr.decode(errors="replace")[-2000:]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shoal", required=True)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    if os.sep in a.shoal:
        a.shoal = os.path.abspath(a.shoal)  # the runs happen in the suites' directories
    os.makedirs(a.out, exist_ok=True)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    rows = {}
    for name, (tests, mb) in SUITES.items():
        d = write_suite(a.out, name, tests, mb)
        for r in range(a.rounds):
            secs, code, err = run([a.python, "-m", "pytest", "-p", "no:cacheprovider", "-q"], d, env)
            rows.setdefault((name, "pytest"), []).append((secs, code, None))
            stats = os.path.join(a.out, f"{name}.{r}.stats.json")
            senv = dict(env, SHOAL_SELF_STATS=stats)
            argv = [a.shoal, "run", "-n", str(a.workers), "--python", a.python, "--no-history",
                    "--report-json", os.path.join(a.out, f"{name}.{r}.record.json"), "--", "-p", "no:cacheprovider", "-q"]
            secs, code, err = run(argv, d, senv)
            try:
                with open(stats) as f:
                    rss = json.load(f)["max_rss_bytes"] / 2**20
            except (OSError, ValueError, KeyError):
                rss = None
            if code != 0:
                print(f"{name}, round {r + 1}: shoal exited {code}: {err.strip()[-500:]}", file=sys.stderr)
            rows.setdefault((name, "shoal"), []).append((secs, code, rss))
    print(f"| suite | runner | runs | median s | exit codes | shoal's peak RSS, MiB (median, max) |")
    print("|---|---|---|---|---|---|")
    for (name, runner), runs in rows.items():
        secs = statistics.median(s for s, _, _ in runs)
        codes = ",".join(sorted({str(c) for _, c, _ in runs}))
        rss = [m for _, _, m in runs if m is not None]
        mem = f"{statistics.median(rss):.0f}, {max(rss):.0f}" if rss else ""
        print(f"| {name} | {runner} | {len(runs)} | {secs:.2f} | {codes} | {mem} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
