#!/usr/bin/env python3
"""Run each case of what a pytest user types and sees under plain pytest,
`pytest -n 2` (pytest-xdist) and `shoal run -n 2`, and say per case whether
xdist and shoal behave as pytest does.

Each case is a small suite written into a fresh directory per runner, the
arguments, and what is compared: the exit code, each test's outcome (from
the JUnit file), a line the output must or must not hold, whether a test
was among the first two to start or each file's tests' order (its tests
note their starts in started.log), or a file of .pytest_cache. A case may run its command twice (history exists from the
second run on); the last run is compared. The table goes to stdout and, with
--out, to a markdown file with the command that made it.

    python3 bench/conformance.py --shoal bin/shoal --python /usr/bin/python3 --out docs/conformance.md

Exit status: 0 when shoal agrees with pytest on every case whose difference
is not listed in EXPLAINED, 1 otherwise, 2 on bad usage.
"""

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

CHAIN = """
import time
state = {}
def test_1_create(): state["x"] = 1
def test_2_slow_uses_state():
    time.sleep(0.5)
    assert state["x"] == 1
def test_3_fast_uses_state(): assert state["x"] == 1
"""
ORDERED = """
import pytest
ran = []
@pytest.mark.order(2)
def test_b(): ran.append("b")
@pytest.mark.order(1)
def test_a(): ran.append("a")
@pytest.mark.order(3)
def test_c(): assert ran == ["a", "b"]
"""
FAILS = """
import pytest
def test_ok(): pass
def test_bad(): assert 0
def test_bad2(): assert 0
@pytest.mark.skip
def test_skip(): pass
"""
SEEDED = {
    "conftest.py": "import random\nrandom.seed(0)\n",
    # The conftest's seed holds in a worker that starts fresh, as under pytest.
    "test_seed.py": "import random\n\ndef test_seeded():\n    assert random.random() == random.Random(0).random()\n",
}
REPORTS = """
import warnings
def helper(): assert 1 == 2, "deep"
def test_fail(): helper()
def test_warn(): warnings.warn("careful", UserWarning)
def test_sub(subtests):
    for i in range(2):
        with subtests.test(i=i):
            assert i == 0
"""

# Each test notes in started.log that it started; the slow files take
# longer, so history sends them out first unless --ff puts the failure ahead.
STARTS = """
import os
def started(name):
    with open(os.path.join(os.path.dirname(__file__), "started.log"), "a") as f:
        f.write(name + "\\n")
"""
SLOW = "import time\nfrom conftest import started\n\ndef test_slow():\n    started(%r)\n    time.sleep(0.4)\n"
FAILED_FIRST = {
    "conftest.py": STARTS,
    "test_slow_a.py": SLOW % "a", "test_slow_b.py": SLOW % "b", "test_slow_c.py": SLOW % "c",
    "test_z_fails.py": "from conftest import started\n\ndef test_fails():\n    started('fails')\n    assert 0\n",
}

ACROSS = {
    "test_a.py": """
import pytest
ran = []
@pytest.mark.order(after="test_b.py::test_x")
def test_1(): ran.append(1)
@pytest.mark.order(before="test_b.py::test_x")
def test_2(): ran.append(2)
@pytest.mark.order(-1)
def test_3(): assert ran == [2, 1]
""",
    "test_b.py": "def test_x(): pass\ndef test_w(): pass\n",
}
# A conftest that shuffles the whole collection; every test notes its node
# id in started.log, so each file's order can be compared.
SHUFFLED = {
    "conftest.py": """
import os, random, pytest
def pytest_collection_modifyitems(items):
    random.Random(5).shuffle(items)
@pytest.fixture(autouse=True)
def _note(request):
    with open(os.path.join(os.path.dirname(__file__), "started.log"), "a") as f:
        f.write(request.node.nodeid + "\\n")
""",
    "test_p.py": "".join("def test_%d(): pass\n" % i for i in range(6)),
    "test_q.py": "".join("def test_%d(): pass\n" % i for i in range(6)),
}

TIMED = """
import time, pytest
@pytest.mark.timeout(1)
def test_marked(): time.sleep(5)
def test_plain(): time.sleep(5)
def test_quick(): pass
"""

# name, issue item, files, args, checks, runs
CASES = [
    ("tests that build on each other, second run", 1, {"test_chain.py": CHAIN}, [], ["exit", "outcomes"], 2),
    ("pytest-order's marks", 1, {"test_ordered.py": ORDERED}, [], ["exit", "outcomes"], 2),
    ("--dist loadfile", 1, {"test_chain.py": CHAIN}, ["--dist", "loadfile"], ["exit", "outcomes"], 1),
    ("pytest-order: marks naming a test in another file", 1, ACROSS, [], ["exit", "outcomes"], 1),
    ("pytest-order: marks naming a test in another file, loadfile", 1, ACROSS, ["--dist", "loadfile"], ["exit", "outcomes"], 1),
    ("a conftest shuffles the whole collection, loadfile", 1, SHUFFLED, ["--dist", "loadfile"], ["exit", "fileorder"], 1),
    ("--dist each", 1, {"test_chain.py": CHAIN}, ["--dist", "each"], ["exit"], 1),
    ("cache: lastfailed after a run", 3, {"test_f.py": FAILS}, [], ["exit", "cache:lastfailed", "cache:nodeids"], 1),
    ("--lf after a run", 3, {"test_f.py": FAILS}, ["--lf"], ["exit", "outcomes", "cache:lastfailed"], 2),
    ("--ff: last failures start first", 3, FAILED_FIRST, ["--ff"], ["exit", "outcomes", "early:fails"], 2),
    ("--nf: cache nodeids", 3, FAILED_FIRST, ["--nf"], ["exit", "cache:nodeids"], 1),
    ("--sw", 3, {"test_f.py": FAILS}, ["--sw"], ["exit"], 1),
    ("pytest.exit(returncode=7)", 5, {"test_x.py": "import pytest\ndef test_x(): pytest.exit('bye', returncode=7)\n"}, [], ["exit"], 1),
    ("session.exitstatus = 0 in sessionfinish", 5,
     {"conftest.py": "def pytest_sessionfinish(session):\n    session.exitstatus = 0\n", "test_f.py": FAILS}, [], ["exit"], 1),
    ("--tb=short -s -k before --", 6, {"test_f.py": FAILS}, ["--tb=short", "-s", "-k", "bad"], ["exit", "outcomes"], 1),
    ("pytest_terminal_summary", 7,
     {"conftest.py": "def pytest_terminal_summary(terminalreporter):\n    terminalreporter.write_line('custom summary line')\n",
      "test_f.py": FAILS}, [], ["exit", "text:custom summary line"], 1),
    ("--durations", 7, {"test_f.py": FAILS}, ["--durations=2"], ["exit", "text:slowest 2 durations"], 1),
    ("seeded random in a conftest", 2, SEEDED, [], ["exit", "outcomes"], 1),
    ("--tb=no", 8, {"test_r.py": REPORTS}, ["--tb=no"], ["exit", "notext:= FAILURES ="], 1),
    ("--tb=line", 8, {"test_r.py": REPORTS}, ["--tb=line"], ["exit", "text:test_r.py:3: AssertionError: deep"], 1),
    ("pytest-subtests' SUBFAIL", 8, {"test_r.py": REPORTS}, [], ["exit", "text:SUBFAIL test_r.py::test_sub"], 1),
    ("warning count", 8, {"test_r.py": REPORTS}, [], ["exit", "text:1 warning"], 1),
    ("pytest-timeout's marker and --timeout", 8, {"test_t.py": TIMED}, ["--timeout", "2"],
     ["exit", "outcomes", "text:FAILED test_t.py::test_marked - Failed: Timeout >1.0s",
      "text:FAILED test_t.py::test_plain - Failed: Timeout >2.0s"], 1),
    ("--pdb", 8, {"test_f.py": FAILS}, ["--pdb"], ["exit", "text:entering PDB"], 1),
]

# Differences that are deliberate or shared with pytest-xdist, and why.
EXPLAINED = {
    "--dist each": "shoal runs each test once and refuses --dist each with one line (exit 4); xdist runs every test on every worker",
    "--pdb": "xdist refuses --pdb (exit 4); shoal runs the suite in one process in the foreground, as pytest does",
    "tests that build on each other, second run": "xdist's default --dist load spreads a module's tests over workers; shoal keeps a module's tests on one worker in order (loadscope)",
}


def write_suite(root, files):
    os.makedirs(root)
    with open(os.path.join(root, "pytest.ini"), "w") as f:
        f.write("[pytest]\n")
    for name, text in files.items():
        with open(os.path.join(root, name), "w") as f:
            f.write(text.lstrip("\n"))


def command(runner, args, junit, opts):
    if runner == "pytest":
        return [opts.python, "-m", "pytest", "--junitxml", junit] + args
    if runner == "xdist":
        return [opts.python, "-m", "pytest", "-n", "2", "--junitxml", junit] + args
    return [opts.shoal, "run", "-n", "2", "--python", opts.python, "--junitxml", junit] + args


def outcomes(junit):
    if not os.path.exists(junit):
        return None
    out = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("classname", "") + "::" + case.get("name", "")
        kinds = [c.tag for c in case]
        out[name] = next((k for k in ("failure", "error", "skipped") if k in kinds), "passed")
    return out


def cache_file(root, name):
    path = os.path.join(root, ".pytest_cache", "v", "cache", name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def run_case(case, runner, tmp, opts):
    name, _, files, args, checks, runs = case
    root = os.path.join(tmp, runner)
    write_suite(root, files)
    junit = os.path.join(tmp, runner + ".xml")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", COLUMNS="80")
    env.pop("PYTEST_ADDOPTS", None)
    for _ in range(runs):
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(root, "started.log"))  # the tests' starts, for early: checks
        proc = subprocess.run(command(runner, args, junit, opts), cwd=root, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=300)
    seen = {}
    for check in checks:
        if check == "exit":
            seen[check] = proc.returncode
        elif check == "outcomes":
            seen[check] = outcomes(junit)
        elif check.startswith("cache:"):
            seen[check] = cache_file(root, check[len("cache:"):])
        elif check.startswith("text:"):
            seen[check] = check[len("text:"):] in proc.stdout + proc.stderr
        elif check == "fileorder":
            seen[check] = file_order(root)
        elif check.startswith("early:"):
            seen[check] = started_early(root, check[len("early:"):])
        elif check.startswith("notext:"):
            seen[check] = check[len("notext:"):] not in proc.stdout + proc.stderr
    return seen


def started_early(root, name):
    """Whether name was among the first two tests to start in the last run
    (two workers start one each at once)."""
    with open(os.path.join(root, "started.log")) as f:
        return name in f.read().split()[:2]


def file_order(root):
    """Per file, the order its tests started in (from started.log's node ids)."""
    out = {}
    with open(os.path.join(root, "started.log")) as f:
        for nodeid in f.read().split():
            out.setdefault(nodeid.split("::")[0], []).append(nodeid)
    return out


def differences(want, got):
    return [k for k in want if want[k] != got.get(k)]


def describe(diff, got):
    return "same" if not diff else "different: " + ", ".join(f"{k} ({got.get(k)!r})" if k == "exit" else k for k in diff)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shoal", default="bin/shoal")
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--out", help="also write the table as markdown here")
    p.add_argument("--only", help="run only the cases whose name holds this text")
    opts = p.parse_args(argv)
    opts.shoal = os.path.abspath(opts.shoal)
    rows, unexplained = [], []
    for case in CASES:
        if opts.only and opts.only not in case[0]:
            continue
        tmp = tempfile.mkdtemp(prefix="conformance-")
        try:
            seen = {r: run_case(case, r, tmp, opts) for r in ("pytest", "xdist", "shoal")}
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        xd = differences(seen["pytest"], seen["xdist"])
        sh = differences(seen["pytest"], seen["shoal"])
        note = EXPLAINED.get(case[0], "") if sh or xd else ""
        if sh and not note:
            unexplained.append(case[0])
        rows.append((case[1], case[0], " ".join(case[3]), seen["pytest"].get("exit"),
                     describe(xd, seen["xdist"]), describe(sh, seen["shoal"]), note))
        print(f"item {case[1]}: {case[0]}: xdist {describe(xd, seen['xdist'])}; shoal {describe(sh, seen['shoal'])}", flush=True)
    table = ["| item | case | arguments | pytest exit | pytest -n 2 | shoal run -n 2 | why a difference |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        table.append("| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |")
    if opts.out:
        with open(opts.out, "w") as f:
            f.write("# Conformance with pytest\n\nGenerated by `python3 bench/conformance.py --shoal bin/shoal "
                    "--python PYTHON --out docs/conformance.md`; each case's suite, arguments and checks are in the "
                    "script. \"same\" means the exit code, per-test outcomes, output lines or cache files checked "
                    "equal plain pytest's.\n\n" + "\n".join(table) + "\n")
    print("\n".join(table))
    if unexplained:
        print("shoal differs from pytest, unexplained: " + "; ".join(unexplained), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
