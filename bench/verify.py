#!/usr/bin/env python3
"""shoal verify with its default settings against plain shoal runs of the
same suite (testdata/suites/verify), alternating round by round: how many
plain runs' time a verification takes, and whether it explained every
planted problem (truth.json).

    verify.py --shoal PATH [--python PY] [--seeds 1,2,3] [--workers 2] [--out DIR]

Each round runs the suite plainly (shoal run -n W --no-history), verifies
it with the round's seed, and runs it plainly again, each in a fresh copy
with its own state directory and port; a round's plain run time is the
mean of the two around its verification, so that a busy machine weighs on
both sides alike. It prints a line per round and the medians.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUITE = os.path.join(ROOT, "testdata", "suites", "verify")


def fresh(base, name, port):
    d = os.path.join(base, name)
    shutil.copytree(SUITE, os.path.join(d, "s"))
    env = dict(os.environ, VERIFY_SUITE_DIR=os.path.join(d, "state"), VERIFY_SUITE_PORT=str(port))
    return os.path.join(d, "s"), env


def timed(argv, cwd, env):
    start = time.monotonic()
    p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return time.monotonic() - start, p


def right(report, truth):
    wrong = []
    for t in report["tests"]:
        want = truth.get(t["nodeid"], {"class": "stable"})
        got = {
            "class": t["class"],
            "polluters": sorted(t.get("polluters") or []),
            "needs": sorted(t.get("needs") or []),
            "conflicts_with": sorted(t.get("conflicts_with") or []),
        }
        exp = {
            "class": want["class"],
            "polluters": sorted(want.get("polluters", [])),
            "needs": sorted(want.get("needs", [])),
            "conflicts_with": sorted(want.get("conflicts_with", [])),
        }
        if got != exp:
            wrong.append(t["nodeid"])
    return wrong


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shoal", required=True)
    ap.add_argument("--python", default=os.environ.get("SHOAL_PYTHON", "python3"))
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--workers", default="2")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    with open(os.path.join(SUITE, "truth.json")) as f:
        truth = json.load(f)["tests"]
    base = a.out or tempfile.mkdtemp(prefix="verify-bench-")
    plain, ratios, explained = [], [], 0
    seeds = [int(s) for s in a.seeds.split(",")]
    for k, seed in enumerate(seeds):
        cwd, env = fresh(base, "plain-%d" % seed, 18100 + k)
        pt1, p = timed([a.shoal, "run", "-n", a.workers, "--python", a.python, "--no-history", "-q"], cwd, env)
        cwd, env = fresh(base, "verify-%d" % seed, 18200 + k)
        out = os.path.join(base, "verify-%d.json" % seed)
        vt, v = timed([a.shoal, "verify", "-n", a.workers, "--python", a.python, "--no-history",
                       "--seed", str(seed), "--json", out], cwd, env)
        cwd, env = fresh(base, "plain-after-%d" % seed, 18300 + k)
        pt2, _ = timed([a.shoal, "run", "-n", a.workers, "--python", a.python, "--no-history", "-q"], cwd, env)
        pt = (pt1 + pt2) / 2
        plain.append(pt)
        with open(out) as f:
            rep = json.load(f)
        wrong = right(rep, truth)
        explained += not wrong
        ratios.append(vt / pt)
        print("seed %d: plain run %.1f s (exit %d); verify %.1f s (exit %d, %d runs) = %.1f plain runs; %s" % (
            seed, pt, p.returncode, vt, v.returncode, rep["summary"]["runs"], vt / pt,
            "every planted problem explained" if not wrong else "wrong: " + ", ".join(wrong)), flush=True)
    print("median plain run %.1f s; median verify / plain run %.1f; all explained in %d of %d seeds" % (
        statistics.median(plain), statistics.median(ratios), explained, len(seeds)))


if __name__ == "__main__":
    sys.exit(main())
