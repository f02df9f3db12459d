"""What `shoal audit` costs, and what its fixes are worth, measured side by side.

Two comparisons, each alternating its two commands round by round (A B A B
…) so that a machine that drifts affects both alike, and reporting medians:

- cost: `shoal run` against `shoal audit` of the same suite (the audit's
  traced run, its pairs run together, its report);
- fixed: `shoal run` of the suite as written against `shoal run` of a copy
  that `shoal audit --fix` rewrote.

Suites: `audit` (testdata/suites/audit, copied, with a directory and ports
of its own, and the database of AUDIT_SUITE_DATABASE_URL where set) and
`networkx` (`--pyargs networkx`, run from an empty directory). Every
command first runs once unmeasured, so history knows every test.

    python3 bench/audit.py --suite audit --compare cost,fixed --workers 4 --rounds 5 --out DIR
    python3 bench/audit.py --suite networkx --compare cost --workers 2 --rounds 3 --out DIR

It prints a Markdown table (also DIR/results.md) with the machine, the
load average before and after, each side's runs and median, and the
ratio of the medians.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import machine

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", choices=("audit", "networkx"), required=True)
    p.add_argument("--compare", default="cost", help="cost, fixed or both (cost,fixed)")
    p.add_argument("--workers", "-n", type=int, default=os.cpu_count())
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", required=True, help="directory for the copies, histories and logs")
    p.add_argument("--python", default=os.environ.get("SHOAL_PYTHON", "/usr/bin/python3"))
    p.add_argument("--shoal", help="shoal binary (default: build it from this repository into OUT)")
    return p.parse_args(argv)


def build(out):
    go = shutil.which("go") or "/usr/local/go/bin/go"
    dest = os.path.join(out, "shoal")
    subprocess.run([go, "build", "-o", dest, "./cmd/shoal"], cwd=REPO, check=True)
    return dest


def suite_copy(name, out, tag):
    """A directory to run the suite from, and pytest's arguments."""
    dest = os.path.join(out, tag)
    shutil.rmtree(dest, ignore_errors=True)
    if name == "networkx":
        os.makedirs(dest)
        return dest, ["--pyargs", "networkx"]
    shutil.copytree(os.path.join(REPO, "testdata", "suites", "audit"), dest)
    return dest, []


class Bench:
    def __init__(self, a):
        self.a = a
        self.shoal = a.shoal or build(a.out)
        self.env = dict(os.environ, SHOAL_PYTHON=a.python, PYTHONDONTWRITEBYTECODE="1")
        shared = os.path.join(a.out, "shared")
        os.makedirs(shared, exist_ok=True)
        self.env.setdefault("AUDIT_SUITE_DIR", shared)

    def command(self, verb, cwd, args, history, extra=()):
        argv = [self.shoal, verb, "-n", str(self.a.workers), "--history", history] + list(extra)
        return {"argv": argv + ["--", "-p", "no:cacheprovider"] + args, "cwd": cwd}

    def once(self, cmd, log):
        t0 = time.monotonic()
        with open(log, "ab") as f:
            done = subprocess.run(cmd["argv"], cwd=cmd["cwd"], env=self.env, stdout=f, stderr=subprocess.STDOUT)
        return time.monotonic() - t0, done.returncode

    def alternate(self, name, sides):
        """Warm up, then run the sides in turn for the rounds; medians and the raw times."""
        logs = os.path.join(self.a.out, "logs")
        os.makedirs(logs, exist_ok=True)
        for label, cmd in sides:
            self.once(cmd, os.path.join(logs, f"{name}-{label}-warmup.log"))
        times = {label: [] for label, _ in sides}
        codes = {label: [] for label, _ in sides}
        for r in range(self.a.rounds):
            for label, cmd in sides:
                secs, code = self.once(cmd, os.path.join(logs, f"{name}-{label}-{r + 1}.log"))
                times[label].append(round(secs, 2))
                codes[label].append(code)
                print(f"{name} round {r + 1}: {label} {secs:.2f} s (exit {code})", flush=True)
        return times, codes


def cost(b, suite):
    cwd, args = suite_copy(suite, b.a.out, "cost")
    hist = os.path.join(b.a.out, "cost-history.db")
    sides = [
        ("shoal run", b.command("run", cwd, args, hist, ["-q"])),
        ("shoal audit", b.command("audit", cwd, args, hist)),
    ]
    return b.alternate("cost", sides)


def fixed(b, suite):
    if suite != "audit":
        raise SystemExit("bench/audit.py: --compare fixed needs --suite audit (networkx's files are not ours to rewrite)")
    orig, args = suite_copy(suite, b.a.out, "as-written")
    fix, _ = suite_copy(suite, b.a.out, "fixed")
    secs, code = b.once(b.command("audit", fix, args, os.path.join(b.a.out, "fix-history.db"), ["--fix"]),
                        os.path.join(b.a.out, "fix.log"))
    if code != 0:
        raise SystemExit(f"bench/audit.py: shoal audit --fix exited {code}; see {b.a.out}/fix.log")
    sides = [
        ("as written", b.command("run", orig, args, os.path.join(b.a.out, "as-written-history.db"), ["-q"])),
        ("after --fix", b.command("run", fix, args, os.path.join(b.a.out, "fixed-history.db"), ["-q"])),
    ]
    return b.alternate("fixed", sides)


def table(title, times, codes):
    (la, ta), (lb, tb) = times.items()
    ma, mb = statistics.median(ta), statistics.median(tb)
    lines = [f"**{title}**", "", "| | runs (s) | median (s) | exit codes |", "|---|---|---|---|"]
    for label, t in times.items():
        lines.append(f"| {label} | {', '.join(f'{x:.2f}' for x in t)} | {statistics.median(t):.2f} | {sorted(set(codes[label]))} |")
    lines += ["", f"{lb} / {la}: {mb / ma:.2f}x", ""]
    return "\n".join(lines)


def main(argv=None):
    a = parse(argv)
    a.out = os.path.abspath(a.out)
    os.makedirs(a.out, exist_ok=True)
    b = Bench(a)
    head = {"host": machine.host(), "stack": machine.python_stack(a.python), "shoal": machine.shoal_version(b.shoal)}
    parts = [f"suite {a.suite}, {a.workers} workers, {a.rounds} rounds, alternating", "",
             "```", json.dumps(head, indent=1), "```", ""]
    for what in a.compare.split(","):
        times, codes = {"cost": cost, "fixed": fixed}[what](b, a.suite)
        title = {"cost": "shoal audit against shoal run", "fixed": "the suite as written against after shoal audit --fix"}[what]
        parts.append(table(title, times, codes))
    parts.append(f"load average at the end: {machine.loadavg()}")
    text = "\n".join(parts) + "\n"
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
