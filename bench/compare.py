#!/usr/bin/env python3
"""Compare serial pytest, pytest-xdist and shoal on one suite, side by side.

Runners alternate round by round (A B C A B C ...), so a machine that slows
down or speeds up during the benchmark affects them all alike. Each runner's
median wall time and the ratios serial/shoal and best-xdist/shoal are printed
and written to DIR/results.md; every run's raw numbers go to DIR/runs.json.
Every run's per-test outcomes are checked against the first serial run; the
script exits 1 and lists the tests that differ if any run disagrees.
With --shoal-before, a second shoal build runs beside the first
(`shoal-before`), so a change is measured before and after in one invocation.

Exit status: 0 all outcomes identical, 1 some run's outcomes or exit code
differ (or a run recorded none), 2 bad usage or setup.
"""

import argparse
import datetime
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

import gen_sleep
import machine
import report
import runners
import suites

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--suite", required=True, choices=suites.NAMES)
    p.add_argument("--workers", "-n", type=int, default=os.cpu_count(), help="workers for xdist and shoal (default: CPUs)")
    p.add_argument("--rounds", type=int, default=3, help="rounds; each runs every runner once (default 3)")
    p.add_argument("--serial-rounds", type=int, help="run serial pytest only in the first K rounds (default: every round)")
    p.add_argument("--out", required=True, help="output folder: suite, logs, runs.json, results.md")
    p.add_argument("--python", default=os.environ.get("SHOAL_PYTHON", "/usr/bin/python3"),
                   help="interpreter with pytest (default: $SHOAL_PYTHON, else /usr/bin/python3)")
    p.add_argument("--shoal", help="shoal binary to use (default: build it from this repository into DIR)")
    p.add_argument("--shoal-before", help="a second shoal binary, run as the runner shoal-before beside shoal "
                   "in every round: the build before a change, --shoal (or this repository) the one after")
    p.add_argument("--bytecode", choices=("on", "off"), default="on",
                   help="on: write and reuse .pyc files in DIR/pycache after one warm-up collection; "
                        "off: leave PYTHONDONTWRITEBYTECODE as it is (default on)")
    p.add_argument("--runners", help="comma-separated, in the order they run each round (default: "
                   "serial, every xdist --dist mode the installed xdist has, shoal; "
                   "sleep adds xdist-two-run). Known: " + ", ".join(runners.ALL))
    p.add_argument("--pytest-args", help='pytest arguments replacing the suite\'s default, e.g. '
                   '"--pyargs networkx.algorithms.flow" (default for networkx: --pyargs networkx; '
                   'the pyargs suite needs them, e.g. "--pyargs sklearn.cluster")')
    p.add_argument("--trace", help="sleep suite: the measured trace it draws durations from "
                   "(default: shared/traces/networkx-3.6.1-serial.jsonl next to the repository)")
    p.add_argument("--scale", type=float, default=1.0, help="sleep suite: multiply every duration by this (default 1.0)")
    p.add_argument("--run-timeout", type=float, default=1800,
                   help="kill a run (or a warm-up) after this many seconds (default 1800)")
    p.add_argument("--deadline", type=float, default=0,
                   help="start no round that would end later than this many seconds after the start, judging "
                        "by the previous round (round 1: by the shoal warm-up's plan), and kill any run "
                        "still going then (default 0: no limit)")
    a = p.parse_args(argv)
    if a.rounds < 1 or a.workers < 1:
        p.error("--rounds and --workers must be at least 1")
    if a.serial_rounds is None:
        a.serial_rounds = a.rounds
    return a


class Context:
    """What every run shares: interpreter, shoal builds, workers, pytest args, directories, environment."""

    def __init__(self, python, shoals, workers, args, cwd, env, out):
        self.python, self.shoals, self.workers = python, shoals, workers
        self.args, self.cwd, self.env, self.out = args, cwd, env, out

    def history(self, runner):
        """Each shoal runner's own history file, kept between invocations."""
        return os.path.join(self.out, "history", runner + ".db")


def choose_runners(opt, suite, stack, notes, before):
    if opt:
        wanted = [r.strip() for r in opt.split(",") if r.strip()]
    else:
        wanted = ["serial"] + ["xdist-" + m for m in runners.XDIST_MODES] + ["shoal"]
        if suite == "sleep":
            wanted.insert(-1, "xdist-two-run")
    unknown = [r for r in wanted if r not in runners.ALL]
    if unknown:
        raise SystemExit(f"compare: unknown runner(s) {', '.join(unknown)}; known: {', '.join(runners.ALL)}")
    if before and "shoal-before" not in wanted:
        # Right before shoal, so each round runs the two builds back to back.
        wanted.insert(wanted.index("shoal") if "shoal" in wanted else len(wanted), "shoal-before")
    if "shoal-before" in wanted and not before:
        raise SystemExit("compare: the runner shoal-before needs --shoal-before PATH")
    if "xdist-two-run" in wanted and suite != "sleep":
        raise SystemExit("compare: xdist-two-run needs the isolation marker, which only the sleep suite has")
    if any(r.startswith("xdist-") for r in wanted) and not stack.get("xdist"):
        raise SystemExit(f"compare: pytest-xdist is not installed for {stack['executable']}")
    if "xdist-worksteal" in wanted and not stack.get("worksteal"):
        wanted.remove("xdist-worksteal")
        notes.append(f"xdist-worksteal left out: pytest-xdist {stack['xdist']} has no --dist worksteal (added in 3.2)")
    return wanted


def build_shoal(out):
    go = machine.find_go()
    if not go:
        raise SystemExit("compare: cannot build shoal: no go command on PATH\nhint: pass --shoal PATH")
    dest = os.path.join(out, "shoal")
    done = subprocess.run([go, "build", "-o", dest, "./cmd/shoal"], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"compare: cannot build shoal: go build -o {dest} ./cmd/shoal (in {REPO}) said:\n{done.stderr}")
    return dest


def shoal_builds(a, out, order):
    """{runner: binary} of the shoal runners in order, and what each build is."""
    shoals, info = {}, {}
    for runner in (r for r in order if r in runners.SHOALS):
        given = a.shoal if runner == "shoal" else a.shoal_before
        path = os.path.abspath(given) if given else build_shoal(out)
        shoals[runner] = path
        info[runner] = machine.shoal_version(path)
        flag = "--" + runner
        info[runner]["built"] = f"given with {flag}" if given else "built from this repository by compare.py"
        if not given:
            info[runner]["repo_commit"] = repo_commit()
    return shoals, info


def repo_commit():
    try:
        done = subprocess.run(["git", "-C", REPO, "rev-parse", "HEAD"], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None
    except OSError:
        return None


def environment(a, out):
    """The environment every run gets, and the sentence saying how bytecode was handled."""
    env = dict(os.environ)
    plugin_dir = os.path.join(out, "plugin")
    os.makedirs(plugin_dir, exist_ok=True)
    shutil.copyfile(os.path.join(HERE, "outcomes.py"), os.path.join(plugin_dir, "outcomes.py"))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (plugin_dir, env.get("PYTHONPATH")) if p)
    if a.bytecode == "on":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = os.path.join(out, "pycache")
        how = ("bytecode: on (PYTHONDONTWRITEBYTECODE unset, PYTHONPYCACHEPREFIX=<out>/pycache, "
               "one warm-up `pytest --co -q` before the first round)")
    else:
        how = ("bytecode: off (environment left as it was: PYTHONDONTWRITEBYTECODE=" +
               (env.get("PYTHONDONTWRITEBYTECODE") or "unset") + ")")
    return env, how


def warm_up(ctx, out, timeout):
    """One plain collection, so every runner finds the same warm bytecode cache."""
    argv = [ctx.python, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider"] + ctx.args
    start = time.perf_counter()
    with open(os.path.join(out, "runs", "warmup.log"), "w") as log:
        code, _ = _logged(argv, ctx, log, timeout)
    took = time.perf_counter() - start
    runners.reap_leftovers()
    return code, took


def shoal_warm_up(ctx, out, runner, timeout):
    """One run of a shoal runner, so its history holds every test's duration
    as later rounds find it, then `shoal plan --json` for the prediction to
    hold the rounds to."""
    log_path = os.path.join(out, "runs", runner + "-warmup.log")
    pytest_args = ["--", "-p", "no:cacheprovider"] + ctx.args
    run = runners.shoal_command(ctx, runner, "run") + ["-q"] + pytest_args
    plan = runners.shoal_command(ctx, runner, "plan") + ["--json"] + pytest_args
    end = time.monotonic() + timeout
    with open(log_path, "w") as log:
        for argv in (run, plan):
            code, stdout = _logged(argv, ctx, log, end - time.monotonic(), capture=True)
            if code == "timeout":
                break
    runners.reap_leftovers()
    try:
        p = json.loads(stdout)
    except ValueError:
        return {"error": f"shoal {'run' if argv is run else 'plan'} exited {code}; see runs/{os.path.basename(log_path)}"}
    return {k: p.get(k) for k in ("predicted_makespan", "lower_bound", "startup", "finish", "serial", "schedule",
                                  "exclusive", "measured", "limits")}


def _logged(argv, ctx, log, timeout, capture=False):
    """Run argv with the runs' environment, its output (or only stderr, with
    capture) into log; return its exit code, or "timeout" once killed after
    timeout seconds, and its stdout when captured."""
    log.write("$ " + " ".join(argv) + "\n")
    log.flush()
    proc = subprocess.Popen(argv, cwd=ctx.cwd, env=ctx.env, stdin=subprocess.DEVNULL, text=True,
                            stdout=subprocess.PIPE if capture else log, stderr=log if capture else subprocess.STDOUT)
    reaper = runners.OrphanReaper(proc.pid)
    try:
        stdout, _ = proc.communicate(timeout=max(timeout, 1))
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, _ = proc.communicate()
        log.write(f"\ncompare: killed after {timeout:.0f} s\n")
        return "timeout", stdout or ""
    finally:
        reaper.stop()
    if capture:
        log.write(stdout)
    return proc.returncode, stdout or ""


class Bench:
    """One invocation: its settings, its runs so far, and writing them out."""

    def __init__(self, a, out, head):
        self.a, self.out, self.head = a, out, head
        self.runs, self.outcomes, self.notes = [], [], list(head["notes"])

    def save(self):
        check = report.Check(self.runs, self.outcomes)
        data = dict(self.head, notes=self.notes, runs=self.runs, outcome_check=check.summary(self.runs))
        write_atomic(os.path.join(self.out, "runs.json"), json.dumps(data, indent=1) + "\n")

    def render(self, finished):
        """Write results.md (and outcome-diffs.txt); return its text and the outcome check."""
        text, check = report.markdown(self.head, self.runs, self.outcomes, self.notes, finished)
        write_atomic(os.path.join(self.out, "results.md"), text)
        if check.diffs:
            write_atomic(os.path.join(self.out, "outcome-diffs.txt"), check.diff_file(self.runs))
        return text, check


def main(argv=None):
    a = parse(argv)
    out = os.path.abspath(a.out)
    # Logs of an earlier invocation would mix with this one's; the suite and
    # the bytecode cache stay, so a second invocation starts just as warm.
    shutil.rmtree(os.path.join(out, "runs"), ignore_errors=True)
    os.makedirs(os.path.join(out, "runs"))
    t0 = time.monotonic()
    notes = []
    if not runners.become_subreaper():
        notes.append("could not become a child subreaper: CPU of orphaned processes is not counted")
    ctx, head = setup(a, argv, out, notes)
    print(f"{a.suite} suite, {a.workers} workers, {_n(a.rounds, 'round')}; {head['bytecode']}", flush=True)
    bench = Bench(a, out, head)
    finished = warm_ups(bench, ctx, t0) and run_rounds(bench, ctx, head["runners"], t0)
    head["machine"]["loadavg_end"] = machine.loadavg()
    head["finished"] = finished
    bench.save()
    text, check = bench.render(finished)
    print("\n" + text, end="")
    print(f"\nwritten: {os.path.join(out, 'results.md')}, {os.path.join(out, 'runs.json')}")
    return 0 if check.ok else 1


def setup(a, argv, out, notes):
    """The suite, the interpreter's stack, the runners and shoal builds: the
    runs' shared Context and the header of runs.json."""
    trace = a.trace or suites.default_trace(REPO)
    if a.suite == "sleep" and not trace:
        raise SystemExit("compare: the sleep suite needs --trace PATH (JSON lines with \"nodeid\" and \"seconds\")")
    suite = suites.prepare(a.suite, out, a.pytest_args, trace, a.scale)
    stack = machine.python_stack(a.python, suite.libraries())
    if not stack.get("pytest"):
        raise SystemExit(f"compare: pytest is not installed for {a.python}\nhint: pass --python or set SHOAL_PYTHON")
    missing = [name for name in suite.libraries() if name not in stack["libraries"]]
    if missing:
        raise SystemExit(f"compare: {', '.join(missing)} cannot be imported by {a.python}\n"
                         "hint: install the library, or pass --python or set SHOAL_PYTHON")
    order = choose_runners(a.runners, a.suite, stack, notes, a.shoal_before)
    shoals, shoal_info = shoal_builds(a, out, order)
    env, bytecode = environment(a, out)
    ctx = Context(os.path.abspath(a.python) if os.sep in a.python else a.python, shoals, a.workers,
                  suite.args, suite.cwd, env, out)
    head = {
        "command": " ".join(shlex.quote(x) for x in ["compare.py"] + (argv or sys.argv[1:])),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "suite": a.suite, "pytest_args": suite.args, "suite_info": suite.info, "workers": a.workers,
        "rounds": a.rounds, "serial_rounds": min(a.serial_rounds, a.rounds), "runners": order,
        "bytecode": bytecode, "machine": machine.host(), "python_stack": stack,
        "shoal": shoal_info.get("shoal"), "notes": notes,
    }
    if "shoal-before" in shoal_info:
        head["shoal_before"] = shoal_info["shoal-before"]
    if a.suite == "sleep":
        head["sleep_floor"] = gen_sleep.lower_bound(suite.info, a.workers)
    return ctx, head


def warm_ups(bench, ctx, t0):
    """The warm-up collection and each shoal runner's warm-up run, within
    --run-timeout and --deadline; False (and a note) when one was cut short."""
    a, head = bench.a, bench.head
    if a.bytecode == "on":
        code, took = warm_up(ctx, bench.out, _limit(a, t0))
        head["warmup"] = {"seconds": round(took, 3), "exit_code": code}
        print(f"warm-up collection: {took:.1f} s, exit {code}", flush=True)
        if code == "timeout":
            return _stop(bench, "stopped before round 1: the warm-up collection was killed at the time limit")
    for runner in ctx.shoals:
        key = report.header_key(runner, "plan")
        head[key] = shoal_warm_up(ctx, bench.out, runner, _limit(a, t0))
        print(f"{runner} warm-up run and plan: {head[key]}", flush=True)
        if a.deadline and time.monotonic() - t0 >= a.deadline:
            return _stop(bench, f"stopped before round 1: the warm-up runs reached --deadline {a.deadline:.0f} s")
    return True


def run_rounds(bench, ctx, order, t0):
    a = bench.a
    for rnd in range(1, a.rounds + 1):
        todo = [r for r in order if r != "serial" or rnd <= a.serial_rounds]
        if a.deadline:
            estimate = (sum(_last_wall(bench.runs, r) for r in todo) if rnd > 1
                        else first_round_estimate(bench.head, todo, a.workers))
            if estimate is not None and time.monotonic() - t0 + estimate > a.deadline:
                judged = "by the previous round" if rnd > 1 else "by the shoal warm-up's plan"
                return _stop(bench, f"stopped after round {rnd - 1} of {a.rounds}: round {rnd} (~{estimate:.0f} s, "
                                    f"judged {judged}) would end past --deadline {a.deadline:.0f} s")
        for runner in todo:
            base = os.path.join(bench.out, "runs", f"r{rnd}-{runner}")
            rec = runners.measure(runner, ctx, base, _limit(a, t0))
            rec["round"] = rnd
            got = runners.outcomes(runner, ctx, base)
            rec["tests"] = None if got is None else len(got)
            bench.runs.append(rec)
            bench.outcomes.append(got)
            print(f"round {rnd}/{a.rounds}  {runner:<16} {rec['wall_s']:8.2f} s  exit {rec['exit_code']}  "
                  f"{'no outcomes' if got is None else str(len(got)) + ' tests'}", flush=True)
            bench.save()
        bench.render(False)
    return True


def first_round_estimate(head, todo, workers):
    """Round 1's length, roughly, from the warm-ups: serial pytest takes the
    collection plus every test one after another (the shoal plan's serial
    sum), each xdist run the collection plus an even share of the tests, and
    shoal its predicted makespan. None without a shoal plan to judge by."""
    plan = head.get("shoal_plan") or {}
    if plan.get("serial") is None or plan.get("predicted_makespan") is None:
        return None
    collect = (head.get("warmup") or {}).get("seconds") or 0
    walls = {"serial": collect + plan["serial"]}
    total = 0.0
    for runner in todo:
        if runner in runners.SHOALS:
            total += plan["predicted_makespan"]
        else:
            total += walls.get(runner, collect + plan["serial"] / workers)
    return total


def _limit(a, t0):
    """How long the next run may take: --run-timeout, and no later than --deadline."""
    return min(a.run_timeout, a.deadline - (time.monotonic() - t0)) if a.deadline else a.run_timeout


def _stop(bench, note):
    bench.notes.append(note)
    print(note, flush=True)
    return False


def _last_wall(runs, runner):
    walls = [r["wall_s"] for r in runs if r["runner"] == runner]
    return walls[-1] if walls else 0


def _n(count, noun):
    return f"{count} {noun}{'' if count == 1 else 's'}"


def write_atomic(path, text):
    """Write text to path through a temporary file, so a reader never sees half of it."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        runners.reap_leftovers(grace=0)
        sys.exit(130)
    except SystemExit as e:
        # Setup problems are raised as SystemExit("compare: what failed\nhint: …").
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
            sys.exit(2)
        raise
