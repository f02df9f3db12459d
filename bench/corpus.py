#!/usr/bin/env python3
"""The corpus: installed test suites of libraries nobody here wrote, as a benchmark.

`run` benchmarks every library of the corpus that the interpreter can import,
one after another, each with compare.py's pyargs suite: serial pytest, every
pytest-xdist --dist mode asked for and shoal alternate round by round, and
every run's per-test outcomes are checked against serial pytest's. Each
library's results go to DIR/LIBRARY/ as compare.py writes them; the corpus
table (wall times and ratios, one row per library) to DIR/corpus.md and
DIR/corpus.json, rewritten after every library. `table` prints the table of
one or more such folders, e.g. one from a 2-core and one from a 16-core
machine, with a column of ratios per folder.

    corpus.py run --out DIR [--only NAMES] [--workers N] [--rounds R] [--deadline S] ...
    corpus.py table DIR [DIR ...]

Exit status of `run`: 0 every library benchmarked agreed with serial pytest,
1 some run's outcomes differ (or a run recorded none), 2 bad usage or setup.
"""

import argparse
import json
import os
import statistics
import sys
import time

import compare
import machine
import runners


class Library:
    """One suite of the corpus: a name, the Debian package that ships it, what pytest is given."""

    def __init__(self, name, package, args):
        self.name, self.package, self.args = name, package, args

    @property
    def module(self):
        return self.args[-1].split(".")[0]


CORPUS = [
    Library("networkx", "python3-networkx", ["--pyargs", "networkx"]),
    Library("sklearn.linear_model", "python3-sklearn", ["--pyargs", "sklearn.linear_model"]),
    Library("sklearn.cluster", "python3-sklearn", ["--pyargs", "sklearn.cluster"]),
    Library("sklearn.preprocessing", "python3-sklearn", ["--pyargs", "sklearn.preprocessing"]),
    Library("mpmath", "python3-mpmath", ["--pyargs", "mpmath"]),
    Library("bs4", "python3-bs4", ["--pyargs", "bs4"]),
]
NAMES = [lib.name for lib in CORPUS]


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="benchmark the corpus into one output folder")
    run.add_argument("--out", required=True, help="output folder: one folder per library, corpus.md, corpus.json")
    run.add_argument("--only", help="comma-separated libraries, in the order to run them (default: all, in "
                     "this order: " + ", ".join(NAMES) + ")")
    run.add_argument("--workers", "-n", type=int, default=min(os.cpu_count() or 1, 8),
                     help="workers for xdist and shoal (default: CPUs, at most 8)")
    run.add_argument("--rounds", type=int, default=3, help="rounds per library (default 3)")
    run.add_argument("--serial-rounds", type=int, help="serial pytest only in the first K rounds (default: every round)")
    run.add_argument("--runners", help="compare.py's runners, in order (default: serial, every xdist --dist mode "
                     "the installed xdist has, shoal)")
    run.add_argument("--python", default=os.environ.get("SHOAL_PYTHON", "/usr/bin/python3"),
                     help="interpreter with pytest, xdist and the libraries (default: $SHOAL_PYTHON, else /usr/bin/python3)")
    run.add_argument("--shoal", help="shoal binary (default: build it from this repository into DIR)")
    run.add_argument("--deadline", type=float, default=0,
                     help="seconds for the whole corpus: each library gets what is left (compare.py --deadline), "
                          "and none starts with less than --min-left (default 0: no limit)")
    run.add_argument("--min-left", type=float, default=60,
                     help="with --deadline, start no library with fewer seconds left (default 60)")
    run.add_argument("--run-timeout", type=float, default=1800, help="kill a run after this many seconds (default 1800)")
    run.add_argument("--label", help="what the table calls this machine (default: N cores, M workers)")
    table = sub.add_parser("table", help="print the corpus table of one or more output folders")
    table.add_argument("dirs", nargs="+", help="output folders of `corpus.py run`")
    a = p.parse_args(argv)
    if a.command == "run":
        a.libraries = _chosen(p, a.only)
    return a


def _chosen(p, only):
    if not only:
        return list(CORPUS)
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        p.error(f"unknown libraries: {', '.join(unknown)}; known: {', '.join(NAMES)}")
    return [next(lib for lib in CORPUS if lib.name == n) for n in names]


def main(argv=None):
    a = parse(argv)
    if a.command == "table":
        print(render([load(d) for d in a.dirs]), end="")
        return 0
    return run(a)


def run(a):
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    t0 = time.monotonic()
    shoal = a.shoal or compare.build_shoal(out)
    stack = machine.python_stack(a.python, sorted({lib.module for lib in a.libraries}))
    if not stack.get("pytest") or not stack.get("xdist"):
        raise SystemExit(f"corpus: {a.python} lacks pytest or pytest-xdist\nhint: pass --python or set SHOAL_PYTHON")
    host = machine.host()
    corpus = {"label": a.label or f"{host['nproc']} cores, {a.workers} workers", "workers": a.workers,
              "machine": host, "python_stack": stack, "libraries": []}
    failed = False
    for lib in a.libraries:
        entry = {"name": lib.name, "package": lib.package, "pytest_args": lib.args,
                 "version": stack["libraries"].get(lib.module)}
        corpus["libraries"].append(entry)
        left = a.deadline - (time.monotonic() - t0) if a.deadline else None
        if entry["version"] is None:
            entry["skipped"] = f"{lib.module} does not import in {stack['executable']}"
        elif left is not None and left < a.min_left:
            entry["skipped"] = f"not started: {left:.0f} s left of --deadline {a.deadline:.0f} s"
        else:
            code = bench_one(a, lib, shoal, os.path.join(out, _folder(lib)), left)
            entry.update(summarise(os.path.join(out, _folder(lib))), exit_code=code)
            # A library the deadline left no round for has nothing to disagree with.
            failed = failed or (code != 0 and "skipped" not in entry)
        if "skipped" in entry:
            print(f"corpus: {lib.name}: {entry['skipped']}", flush=True)
        corpus["machine"]["loadavg_end"] = machine.loadavg()
        compare.write_atomic(os.path.join(out, "corpus.json"), json.dumps(corpus, indent=1) + "\n")
        compare.write_atomic(os.path.join(out, "corpus.md"), render([corpus]))
    print("\n" + render([corpus]), end="")
    return 1 if failed else 0


def bench_one(a, lib, shoal, out, left):
    """compare.py on one library; its exit status (2 where it could not set up)."""
    argv = ["--suite", "pyargs", "--pytest-args", " ".join(lib.args), "--out", out,
            "--workers", str(a.workers), "--rounds", str(a.rounds), "--python", a.python, "--shoal", shoal,
            "--run-timeout", str(a.run_timeout)]
    if a.serial_rounds is not None:
        argv += ["--serial-rounds", str(a.serial_rounds)]
    if a.runners:
        argv += ["--runners", a.runners]
    if left is not None:
        argv += ["--deadline", f"{left:.0f}"]
    print(f"\n=== {lib.name} ({lib.package}) ===", flush=True)
    try:
        return compare.main(argv)
    except SystemExit as e:
        # compare.py says what failed to set up, e.g. a library that imports but has no tests.
        print(e.code if isinstance(e.code, str) else f"compare.py exited {e.code}", file=sys.stderr, flush=True)
        return 2


def _folder(lib):
    return lib.name.replace(".", "-")


def summarise(folder):
    """One library's row from compare.py's runs.json: medians, the best xdist mode, ratios, the check."""
    try:
        with open(os.path.join(folder, "runs.json")) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        return {"skipped": f"no results: {e}"}
    runs = data.get("runs") or []
    if not runs:
        return {"skipped": "; ".join(data.get("notes") or []) or "no runs"}
    check = data.get("outcome_check") or {}
    verdicts = check.get("runners") or {}
    med = {}
    for rec in runs:
        if not rec["timed_out"]:
            med.setdefault(rec["runner"], []).append(rec["wall_s"])
    med = {r: statistics.median(w) for r, w in med.items()}
    xdist = {r: m for r, m in med.items() if r.startswith("xdist-") and verdicts.get(r) == "same"}
    best = min(xdist, key=xdist.get) if xdist else None
    tests = [rec["tests"] for rec in runs if rec.get("tests") is not None]
    return {"medians": med, "rounds": max((rec["round"] for rec in runs), default=0),
            "best_xdist": best, "tests": max(tests) if tests else None,
            "outcomes_ok": bool(check.get("ok")), "verdicts": verdicts,
            "timed_out": sorted({rec["runner"] for rec in runs if rec["timed_out"]}),
            "notes": data.get("notes") or [], "finished": data.get("finished")}


def load(folder):
    with open(os.path.join(folder, "corpus.json")) as f:
        return json.load(f)


def render(corpora):
    """The corpus table of each output folder, then, with several, their ratios side by side."""
    lines = []
    for c in corpora:
        lines += _machine_table(c) + [""]
    if len(corpora) > 1:
        lines += _side_by_side(corpora) + [""]
    return "\n".join(lines)


def _machine_table(c):
    stack, host = c["python_stack"], c["machine"]
    lines = [f"### {c['label']}", "",
             f"{host['nproc']} CPUs ({host['cpu_model']}), load average at start {_load(host['loadavg_start'])}, "
             f"at end {_load(host.get('loadavg_end'))}; Python {stack['python']}, pytest {stack['pytest']}, "
             f"pytest-xdist {stack['xdist']}.", "",
             "| library | version | tests | rounds | serial s | best xdist s | shoal s | serial / shoal | "
             "best xdist / shoal | outcomes |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for lib in c["libraries"]:
        lines.append(_row(lib))
    notes = [f"- {lib['name']}: {n}" for lib in c["libraries"] for n in lib.get("notes") or []]
    return lines + ([""] + notes if notes else [])


def _row(lib):
    name = f"`{lib['name']}`"
    if "medians" not in lib:
        return f"| {name} | {lib.get('version') or '–'} | | | | | | | | {lib.get('skipped', '')} |"
    med = lib["medians"]
    serial, shoal, best = med.get("serial"), med.get("shoal"), lib.get("best_xdist")
    xdist = med.get(best) if best else None
    return (f"| {name} | {lib['version']} | {_int(lib.get('tests'))} | {lib['rounds']} | {_s(serial)} | "
            f"{_s(xdist)}{' (' + best[len('xdist-'):] + ')' if best else ''} | {_s(shoal)} | "
            f"{_ratio(serial, shoal)} | {_ratio(xdist, shoal)} | {_verdict(lib)} |")


def _verdict(lib):
    if lib["outcomes_ok"]:
        return "same"
    bad = [f"{r}: {v}" for r, v in lib["verdicts"].items() if v != "same"]
    cut = [f"{r} killed at the time limit" for r in lib.get("timed_out") or []]
    return "; ".join(bad + cut) or "no reference run"


def _side_by_side(corpora):
    head = "| library | " + " | ".join(f"{c['label']}: serial / shoal, best xdist / shoal" for c in corpora) + " |"
    lines = [head, "|---|" + "---:|" * len(corpora)]
    names = []
    for c in corpora:
        names += [lib["name"] for lib in c["libraries"] if lib["name"] not in names]
    for name in names:
        cells = []
        for c in corpora:
            lib = next((x for x in c["libraries"] if x["name"] == name), None)
            med = (lib or {}).get("medians")
            if not med:
                cells.append("–")
                continue
            xdist = med.get(lib["best_xdist"]) if lib.get("best_xdist") else None
            cells.append(f"{_ratio(med.get('serial'), med.get('shoal'))}, {_ratio(xdist, med.get('shoal'))}"
                         f"{'' if lib['outcomes_ok'] else ' (outcomes differ)'}")
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return lines


def _ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "–"


def _s(x):
    return "–" if x is None else f"{x:.2f}"


def _int(n):
    return "–" if n is None else f"{n:,}"


def _load(v):
    return "–" if not v else " ".join(f"{x:.2f}" for x in v)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        runners.reap_leftovers(grace=0)
        sys.exit(130)
    except SystemExit as e:
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
            sys.exit(2)
        raise
