"""The runners a benchmark compares, and how one timed run of them is measured.

A run is one or more steps (xdist-two-run has two) timed together. Every run
gets the same pytest arguments and environment; only the runner differs.
Measured per run: wall time, exit code, the CPU time of the whole process tree
(getrusage(RUSAGE_CHILDREN) before and after; this process is made a child
subreaper so orphaned workers are reaped here and counted), and for shoal its
own CPU time and peak memory.

Two shoal builds can run side by side: `shoal` and `shoal-before` run the
same way, each with its own binary and its own history file, so that one
build's measured durations never plan the other's runs.
"""

import ctypes
import json
import os
import resource
import signal
import subprocess
import threading
import time

import overlaps

XDIST_MODES = ("load", "loadfile", "loadscope", "worksteal")
SHOALS = ("shoal-before", "shoal")
ALL = ("serial",) + tuple("xdist-" + m for m in XDIST_MODES) + ("xdist-two-run",) + SHOALS

OUTCOMES_ENV = "SHOAL_BENCH_OUTCOMES"
SELF_STATS_ENV = "SHOAL_SELF_STATS"
PR_SET_CHILD_SUBREAPER = 36


class Step:
    """One process of a run: its command line and where its outcomes land."""

    def __init__(self, argv, outcomes=None, record=None, self_stats=None):
        self.argv = argv
        self.outcomes = outcomes      # the observer plugin's JSON (pytest)
        self.record = record          # shoal's run record
        self.self_stats = self_stats  # shoal's own CPU and memory (SHOAL_SELF_STATS)


def steps(runner, ctx, base):
    """The steps of one run; base is the path prefix for this run's files."""
    pytest = [ctx.python, "-m", "pytest", "-p", "no:cacheprovider", "-p", "outcomes"]
    xdist = ["-n", str(ctx.workers)]
    if runner == "serial":
        return [Step(pytest + ctx.args, outcomes=base + ".outcomes.json")]
    if runner == "xdist-two-run":
        return [
            Step(pytest + ["-m", "isolation"] + ctx.args, outcomes=base + ".1.outcomes.json"),
            Step(pytest + xdist + ["--dist", "load", "-m", "not isolation"] + ctx.args,
                 outcomes=base + ".2.outcomes.json"),
        ]
    if runner.startswith("xdist-"):
        mode = runner[len("xdist-"):]
        return [Step(pytest + xdist + ["--dist", mode] + ctx.args, outcomes=base + ".outcomes.json")]
    if runner in SHOALS:
        argv = shoal_command(ctx, runner, "run") + ["--report-json", base + ".record.json",
                                                     "--", "-p", "no:cacheprovider"] + ctx.args
        return [Step(argv, record=base + ".record.json", self_stats=base + ".self.json")]
    raise ValueError(f"unknown runner {runner!r}")


def shoal_command(ctx, runner, verb):
    """`shoal run` or `shoal plan` of one of the shoal runners, up to its pytest arguments."""
    return [ctx.shoals[runner], verb, "-n", str(ctx.workers), "--python", ctx.python,
            "--history", ctx.history(runner)]


def become_subreaper():
    """Adopt orphaned descendants, so their CPU time is counted and leftovers are seen."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def measure(runner, ctx, base, timeout):
    """Run every step of runner once; return the run's measurements."""
    for path in (base + ".log",) + tuple(_step_files(runner, ctx, base)):
        _remove(path)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    codes, self_stats, timed_out = [], None, False
    with open(base + ".log", "w") as log:
        start = time.perf_counter()
        for step in steps(runner, ctx, base):
            log.write("$ " + " ".join(step.argv) + "\n")
            log.flush()
            env = dict(ctx.env)
            if step.outcomes:
                env[OUTCOMES_ENV] = step.outcomes
            if step.self_stats:
                env[SELF_STATS_ENV] = step.self_stats
            code, sampled = _execute(step, ctx.cwd, env, log, start + timeout - time.perf_counter())
            codes.append(code)
            if sampled is not None:
                self_stats = sampled
            if code == "timeout":
                timed_out = True
                break
        wall = time.perf_counter() - start
    leftovers = reap_leftovers()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rec = {
        "runner": runner, "wall_s": round(wall, 3), "exit_code": _combine(codes),
        "step_exit_codes": codes, "timed_out": timed_out,
        "tree_cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 3),
        "log": os.path.basename(base + ".log"),
        "leftover_processes": leftovers,
    }
    if runner in SHOALS:
        rec["shoal_self"] = _self_stats(base + ".self.json", self_stats)
        rec["start_mode"] = _start_mode(base)
        rec["overlaps"] = _overlaps(base + ".record.json")
    return rec


def _overlaps(path):
    """How many pairs of tests overlapped that the markers keep apart, or None."""
    try:
        with open(path) as f:
            tests = json.load(f)["tests"]
    except (OSError, ValueError, KeyError):
        return None
    return len(overlaps.overlaps(tests))


def _start_mode(base):
    """How shoal started its workers: the record's start_mode and the header line saying why."""
    mode = None
    try:
        with open(base + ".record.json") as f:
            mode = json.load(f).get("start_mode")
    except (OSError, ValueError):
        pass
    try:
        with open(base + ".log", errors="replace") as f:
            for line in f:
                if line.startswith("shoal: ") and " worker" in line:
                    return f"{mode}: {line[len('shoal: '):].strip()}" if mode else line.strip()
    except OSError:
        pass
    return mode


def _step_files(runner, ctx, base):
    for s in steps(runner, ctx, base):
        for p in (s.outcomes, s.record, s.self_stats):
            if p:
                yield p


def _execute(step, cwd, env, log, timeout):
    """Run one step; return its exit code (or "timeout") and sampled self stats."""
    proc = subprocess.Popen(step.argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    sampler = _Sampler(proc.pid) if step.self_stats else None
    reaper = OrphanReaper(proc.pid)
    try:
        code = proc.wait(timeout=max(timeout, 1))
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.wait()
        code = "timeout"
        log.write(f"\ncompare: killed after {timeout:.0f} s (--run-timeout)\n")
    except KeyboardInterrupt:
        _kill_group(proc.pid)  # it has a session of its own, so Ctrl-C did not reach it
        raise
    finally:
        reaper.stop()
    return code, sampler.stop() if sampler else None


class OrphanReaper:
    """Reaps, while a step runs, the orphans this subreaper adopts as they
    exit, as init would: a test that waits for a grandchild to disappear
    (psutil's own suite does) would otherwise wait for ever on its zombie.
    The step's own process is left to Popen.wait."""

    INTERVAL = 0.02

    def __init__(self, pid):
        self.pid = pid
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.done.wait(self.INTERVAL):
            for pid in _children(zombies=True):
                if pid == self.pid:
                    continue
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass

    def stop(self):
        self.done.set()
        self.thread.join()


def _combine(codes):
    """A run's exit code: the first step's that is not 0."""
    for c in codes:
        if c != 0:
            return c
    return 0


class _Sampler:
    """Samples a process's own CPU time and peak RSS from /proc while it runs.

    Used when shoal does not write SHOAL_SELF_STATS. The last sample is taken
    at most one interval before the process ends, so CPU is a lower bound.
    """

    INTERVAL = 0.05

    def __init__(self, pid):
        self.pid = pid
        self.last = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        tick = os.sysconf("SC_CLK_TCK")
        while not self.done.is_set():
            try:
                with open(f"/proc/{self.pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                cpu = (int(fields[11]) + int(fields[12])) / tick
                hwm = self.last["max_rss_kb"] if self.last else 0
                with open(f"/proc/{self.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            hwm = int(line.split()[1])
                self.last = {"cpu_s": cpu, "max_rss_kb": hwm}
            except (OSError, IndexError, ValueError):
                return
            self.done.wait(self.INTERVAL)

    def stop(self):
        self.done.set()
        self.thread.join()
        return self.last


def _self_stats(path, sampled):
    """shoal's own CPU seconds and peak RSS: from SHOAL_SELF_STATS if shoal wrote it, else sampled."""
    try:
        with open(path) as f:
            data = json.load(f)
        cpu = data.get("cpu_seconds")
        if cpu is None:
            cpu = float(data["user_seconds"]) + float(data["system_seconds"])
        rss_kb = data.get("max_rss_kb")
        if rss_kb is None and data.get("max_rss_bytes") is not None:
            rss_kb = data["max_rss_bytes"] / 1024
        return {"source": "SHOAL_SELF_STATS", "cpu_s": round(float(cpu), 3),
                "max_rss_kb": None if rss_kb is None else int(rss_kb)}
    except FileNotFoundError:
        pass
    except (ValueError, KeyError, TypeError) as e:
        return {"source": f"unreadable {os.path.basename(path)}: {e}", "cpu_s": None, "max_rss_kb": None}
    if sampled:
        return {"source": "sampled from /proc", "cpu_s": round(sampled["cpu_s"], 3),
                "max_rss_kb": sampled["max_rss_kb"]}
    return {"source": "n/a", "cpu_s": None, "max_rss_kb": None}


def reap_leftovers(grace=5.0):
    """Reap the descendants a run left behind; kill those still alive after grace seconds.

    Returns every process that outlived the run (pid, command line, and
    whether it had to be killed). Killing a process can orphan its own
    children onto this one, so the loop goes on until none is left.
    """
    deadline = time.monotonic() + grace
    seen, killed = {}, set()
    for _ in range(1000):
        _reap_exited()
        alive = _children()
        if not alive:
            break
        for pid in alive:
            seen.setdefault(pid, _cmdline(pid))
        if time.monotonic() < deadline:
            time.sleep(0.05)
            continue
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    return [{"pid": pid, "cmdline": cmd, "killed": pid in killed} for pid, cmd in sorted(seen.items())]


def _reap_exited():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _children(zombies=False):
    """This process's children, zombies only when asked: those the kernel
    lists under its threads (/proc/self/task/*/children), or, on a kernel
    that keeps no such list, those a scan of /proc finds."""
    listed = _listed_children()
    me, out = os.getpid(), []
    for pid in listed if listed is not None else (int(n) for n in os.listdir("/proc") if n.isdigit()):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and (zombies or fields[0] != "Z"):
            out.append(pid)
    return out


def _listed_children():
    """The children the kernel lists under this process's threads; None
    where it keeps no such list."""
    if not os.path.exists(f"/proc/self/task/{os.getpid()}/children"):
        return None
    out = []
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/children") as f:
                out.extend(int(x) for x in f.read().split())
        except (OSError, ValueError):
            continue  # a thread that has just ended
    return out


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()[:300]
    except OSError:
        return "?"


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def outcomes(runner, ctx, base):
    """{nodeid: outcome} of one run, or None where a step left no outcomes behind."""
    merged = {}
    for step in steps(runner, ctx, base):
        try:
            with open(step.outcomes or step.record) as f:
                data = json.load(f)
        except (OSError, ValueError):
            return None
        merged.update(_record_outcomes(data) if step.record else data)
    return merged


def _record_outcomes(record):
    """Outcomes from shoal's run record. Tests it collected but did not run are
    left out, as pytest leaves them out of its reports."""
    out = {t["nodeid"]: t["outcome"] for t in record.get("tests") or []}
    for e in record.get("collect_errors") or []:
        out[e["nodeid"]] = "error" if e.get("outcome") == "failed" else "skipped"
    return out
