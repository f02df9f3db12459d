"""Turns a benchmark's runs into the outcome check, the table and results.md."""

import statistics

from runners import SHOALS

DIFF_LINES = 10  # differing tests shown per run; all of them go to outcome-diffs.txt


class Check:
    """Whether every run produced the reference run's per-test outcomes and exit code."""

    def __init__(self, runs, outcomes):
        self.reference = _reference(runs, outcomes)
        self.problems = {}  # run index -> [lines]
        self.diffs = {}     # run index -> [(nodeid, reference outcome, this run's outcome)]
        ref = outcomes[self.reference] if self.reference is not None else None
        ref_code = runs[self.reference]["exit_code"] if self.reference is not None else None
        for i, (run, got) in enumerate(zip(runs, outcomes)):
            lines = []
            if got is None:
                lines.append("no per-test outcomes were recorded (see its log)")
            elif ref is not None:
                diff = [(n, ref.get(n, "absent"), got.get(n, "absent"))
                        for n in sorted(set(ref) | set(got)) if ref.get(n) != got.get(n)]
                if diff:
                    self.diffs[i] = diff
                    lines.append(f"{len(diff)} test(s) differ")
                    lines += [f"  {n}: {a} -> {b}" for n, a, b in diff[:DIFF_LINES]]
                    if len(diff) > DIFF_LINES:
                        lines.append(f"  … {len(diff) - DIFF_LINES} more in outcome-diffs.txt")
            if ref_code is not None and run["exit_code"] != ref_code:
                lines.append(f"exit code {run['exit_code']}, the reference's was {ref_code}")
            if lines:
                self.problems[i] = lines

    @property
    def ok(self):
        return self.reference is not None and not self.problems

    def runner_verdict(self, runs, runner):
        bad = [i for i, r in enumerate(runs) if r["runner"] == runner and i in self.problems]
        return "same" if not bad else f"DIFFER ({len(bad)} run{'s' if len(bad) > 1 else ''})"

    def text(self, runs):
        if self.reference is None:
            return ["outcomes: no run recorded per-test outcomes, nothing to compare"]
        ref = runs[self.reference]
        name = f"{ref['runner']} round {ref['round']}"
        if self.ok:
            if len(runs) == 1:
                return [f"outcomes: one run only, nothing to compare it with ({name})"]
            return [f"outcomes: identical in all {len(runs)} runs (reference: {name})"]
        out = [f"outcomes: DIFFER from the reference ({name}) in {len(self.problems)} of {len(runs)} runs"]
        for i, lines in sorted(self.problems.items()):
            out.append(f"- {runs[i]['runner']} round {runs[i]['round']}: {lines[0]}")
            out += ["  " + line for line in lines[1:]]
        return out

    def summary(self, runs):
        """The check as runs.json keeps it: whether it passed, each runner's verdict, and its text."""
        return {"ok": self.ok, "runners": {r["runner"]: self.runner_verdict(runs, r["runner"]) for r in runs},
                "text": self.text(runs)}

    def diff_file(self, runs):
        ref = runs[self.reference]
        out = [f"# reference: {ref['runner']} round {ref['round']}; lines are nodeid, reference outcome, this run's"]
        for i, diff in sorted(self.diffs.items()):
            out.append(f"\n## {runs[i]['runner']} round {runs[i]['round']}: {len(diff)} differ")
            out += [f"{n}\t{a}\t{b}" for n, a, b in diff]
        return "\n".join(out) + "\n"


def _reference(runs, outcomes):
    """The first serial run with outcomes, else the first run with outcomes."""
    candidates = [i for i, o in enumerate(outcomes) if o is not None]
    for i in candidates:
        if runs[i]["runner"] == "serial":
            return i
    return candidates[0] if candidates else None


def medians(runs, order):
    """{runner: median wall seconds} over the runs each runner has."""
    out = {}
    for runner in order:
        walls = [r["wall_s"] for r in runs if r["runner"] == runner and not r["timed_out"]]
        if walls:
            out[runner] = statistics.median(walls)
    return out


def table(runs, order, check, outcomes):
    """The results table, one row per runner, in the order they ran."""
    med = medians(runs, order)
    serial = med.get("serial")
    rows = ["| runner | runs | median s | min s | max s | speed-up vs serial | tree CPU s (median) | exit codes | tests | outcomes |",
            "|---|---:|---:|---:|---:|---:|---:|---|---:|---|"]
    for runner in order:
        idx = [i for i, r in enumerate(runs) if r["runner"] == runner]
        if not idx:
            continue
        mine = [runs[i] for i in idx]
        walls = [r["wall_s"] for r in mine if not r["timed_out"]]
        codes = sorted({str(r["exit_code"]) for r in mine})
        tests = next((len(outcomes[i]) for i in idx if outcomes[i] is not None), None)
        speed = f"{serial / med[runner]:.2f}x" if serial and runner in med else "–"
        rows.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            runner, len(mine), _s(med.get(runner)), _s(min(walls) if walls else None),
            _s(max(walls) if walls else None), speed,
            _s(statistics.median(r["tree_cpu_s"] for r in mine)), ", ".join(codes),
            "–" if tests is None else f"{tests:,}", check.runner_verdict(runs, runner)))
    return rows


def ratios(runs, order, check):
    """serial/shoal, best-xdist/shoal and shoal-before/shoal from the medians, saying where a
    runner got outcomes wrong.

    Where the fastest xdist runner's outcomes differ, the fastest one whose
    outcomes match is given too: a fast wrong answer is not the one to beat.
    """
    med = medians(runs, order)
    shoal = med.get("shoal")
    if not shoal:
        return []
    wrong = {r: check.runner_verdict(runs, r) != "same" for r in med}
    out = before_after(runs, med, wrong)

    def differ(*names):
        bad = [n for n in names if wrong[n]]
        return f"; outcomes differ from the reference: {', '.join(bad)}" if bad else ""

    if "serial" in med:
        out.append(f"serial / shoal: **{med['serial'] / shoal:.2f}x** "
                   f"({_s(med['serial'])} s / {_s(shoal)} s){differ('shoal')}")
    xdist = {k: v for k, v in med.items() if k.startswith("xdist-")}
    if xdist:
        best = min(xdist, key=xdist.get)
        out.append(f"best xdist / shoal: **{xdist[best] / shoal:.2f}x** "
                   f"({best}, {_s(xdist[best])} s / {_s(shoal)} s){differ(best, 'shoal')}")
        right = {k: v for k, v in xdist.items() if not wrong[k]}
        if wrong[best] and right:
            good = min(right, key=right.get)
            out.append(f"best xdist with matching outcomes / shoal: **{right[good] / shoal:.2f}x** "
                       f"({good}, {_s(right[good])} s / {_s(shoal)} s){differ('shoal')}")
    return out


def before_after(runs, med, wrong):
    """shoal-before / shoal from the medians, and round by round: above 1, the
    build after the change is the faster."""
    if "shoal-before" not in med:
        return []
    flag = "; outcomes differ from the reference" if wrong["shoal-before"] or wrong["shoal"] else ""
    line = (f"shoal-before / shoal: **{med['shoal-before'] / med['shoal']:.3f}x** "
            f"({_s(med['shoal-before'])} s / {_s(med['shoal'])} s){flag}")
    walls = {(r["runner"], r["round"]): r["wall_s"] for r in runs if not r["timed_out"]}
    rounds = sorted({rnd for _, rnd in walls})
    pairs = [walls[("shoal-before", n)] / walls[("shoal", n)]
             for n in rounds if ("shoal-before", n) in walls and ("shoal", n) in walls]
    if len(pairs) > 1:
        line += "; round by round " + ", ".join(f"{x:.3f}" for x in pairs)
    return [line]


def shoal_self(runs):
    """Each shoal build's own CPU as a share of the whole run's, and its peak memory (medians)."""
    return [line for runner in SHOALS for line in _shoal_self(runs, runner)]


def _shoal_self(runs, runner):
    mine = [r for r in runs if r["runner"] == runner and "shoal_self" in r]
    known = [r for r in mine if r["shoal_self"]["cpu_s"] is not None]
    if not mine:
        return []
    if not known:
        return [f"{runner}'s own process: CPU n/a, max RSS n/a (it wrote no SHOAL_SELF_STATS file)"]
    sources = sorted({r["shoal_self"]["source"] for r in known})
    cpu = statistics.median(r["shoal_self"]["cpu_s"] for r in known)
    share = statistics.median(r["shoal_self"]["cpu_s"] / r["tree_cpu_s"] * 100
                              for r in known if r["tree_cpu_s"] > 0)
    rss = [r["shoal_self"]["max_rss_kb"] for r in known if r["shoal_self"]["max_rss_kb"] is not None]
    rss_text = f"{statistics.median(rss) / 1024:.1f} MiB" if rss else "n/a"
    tree = statistics.median(r["tree_cpu_s"] for r in known)
    return [f"{runner}'s own process: CPU {cpu:.2f} s = **{share:.1f}%** of the whole run's {tree:.1f} s "
            f"(median of {len(known)} run{'' if len(known) == 1 else 's'}), max RSS {rss_text} (source: {', '.join(sources)})"]


def start_modes(runs):
    """How shoal started its workers, when it says so (fork after collection, or spawn and why)."""
    out = []
    for runner in SHOALS:
        modes = {}
        for r in runs:
            if r["runner"] == runner and r.get("start_mode"):
                modes[r["start_mode"]] = modes.get(r["start_mode"], 0) + 1
        out += [f"{runner} workers, {n} of {sum(modes.values())} runs: {m}" for m, n in sorted(modes.items())]
    return out


def leftovers(runs):
    out = []
    for r in runs:
        procs = r.get("leftover_processes") or []
        if procs:
            killed = sum(1 for p in procs if p["killed"])
            out.append(f"{r['runner']} round {r['round']}: {len(procs)} process(es) outlived the run, "
                       f"{killed} had to be killed, e.g. `{procs[0]['cmdline'][:120]}`")
    return out


def markdown(h, runs, outcomes, notes, finished):
    """results.md: settings, machine, table, ratios, outcome check, notes."""
    check = Check(runs, outcomes)
    stack, host = h["python_stack"], h["machine"]
    lines = [f"# shoal benchmark: {h['suite']} suite", "",
             f"{h['date']}{'' if finished else ' (incomplete: still running or stopped)'}", "",
             "```", h["command"], "```", "",
             f"- {h['bytecode']}",
             f"- suite: {h['suite']}, pytest args `{' '.join(h['pytest_args']) or '(none)'}`, "
             f"{h['workers']} workers, {_n(h['rounds'], 'round')} (serial in {_n(h['serial_rounds'], 'round')}), "
             f"runners each round in this order: {', '.join(h['runners'])}"]
    if h.get("warmup"):
        lines.append(f"- warm-up collection: {h['warmup']['seconds']:.1f} s, exit {h['warmup']['exit_code']}")
    if h.get("suite_info", {}).get("suite") == "sleep":
        si = h["suite_info"]
        lines.append(f"- sleeping suite (scale {si['scale']}): {si['tests']} tests, {si['test_seconds']} s of test sleep + "
                     f"{si['setup_seconds']} s of module setup; {si['isolation_tests']} marked isolation "
                     f"({si['isolation_seconds']} s, {si['conflicting_tests']} really conflict); rough floor "
                     f"with isolation tests alone and {h['workers']} workers: {h['sleep_floor']:.2f} s")
    lines += ["", "| machine | |", "|---|---|",
              f"| CPUs | {host['nproc']} ({host['usable_cpus']} usable), {host['cpu_model']} |",
              f"| memory, kernel | {host['mem_total']}, Linux {host['kernel']} |",
              f"| load average (1, 5, 15 min) | start {_load(host['loadavg_start'])}; end {_load(host.get('loadavg_end'))} |",
              f"| python | {stack['python']} ({stack['executable']}) |",
              f"| pytest / xdist / networkx | {stack['pytest']} / {stack['xdist']}"
              f"{'' if stack.get('worksteal') else ' (no worksteal)'} / {stack['networkx']} |"]
    libraries = stack.get("libraries") or {}
    if libraries:
        lines.append("| the suite's libraries | " + ", ".join(f"{k} {v}" for k, v in libraries.items()) + " |")
    for runner in SHOALS:
        build = h.get(header_key(runner))
        if build:
            commit = build.get("vcs.revision") or build.get("repo_commit") or "unknown"
            lines.append(f"| {runner} | {build.get('version')}, commit {commit[:12]}"
                         f"{' (modified)' if build.get('vcs.modified') == 'true' else ''}, {build.get('built', '')} |")
    lines += [""] + table(runs, h["runners"], check, outcomes) + [""]
    plans = [line for runner in SHOALS for line in shoal_plan(runner, h.get(header_key(runner, "plan")), runs)]
    bullets = ratios(runs, h["runners"], check) + shoal_self(runs) + start_modes(runs) + plans + overlap_lines(runs)
    lines += [f"- {b}" for b in bullets]
    lines += [""] + check.text(runs)
    extra = notes + leftovers(runs)
    if extra:
        lines += ["", "Notes:"] + [f"- {n}" for n in extra]
    return "\n".join(lines) + "\n", check


def header_key(runner, what=""):
    """Where runs.json's header keeps a shoal runner's build ("shoal",
    "shoal_before") or its warm-up plan ("shoal_plan", "shoal_before_plan")."""
    return runner.replace("-", "_") + ("_" + what if what else "")


def _n(count, noun):
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _load(v):
    return "–" if not v else " ".join(f"{x:.2f}" for x in v)


def _s(x):
    return "–" if x is None else f"{x:.2f}"


def shoal_plan(runner, plan, runs):
    """A shoal runner's median wall time against its plan's prediction and lower bound."""
    if not plan or plan.get("predicted_makespan") is None:
        return [f"{runner} plan: {plan.get('error')}"] if plan else []
    walls = [r["wall_s"] for r in runs if r["runner"] == runner and r["exit_code"] in (0, 1)]
    if not walls:
        return []
    med = statistics.median(walls)
    pred, lb = plan["predicted_makespan"], plan["lower_bound"]
    return [f"{runner} plan (after one warm-up run): predicted {pred:.2f} s, lower bound {lb:.2f} s "
            f"(start-up {plan.get('startup') or 0:.2f} s + schedule bound + finish {plan.get('finish') or 0:.2f} s); "
            f"{runner}'s median {med:.2f} s is "
            f"{med / lb:.3f} × the bound, and the prediction is off by {100 * (pred - med) / med:+.1f}%; "
            f"limits: {'; '.join(plan.get('limits') or [])}"]


def overlap_lines(runs):
    """Whether any exclusive test overlapped another in shoal's run records."""
    out = []
    for runner in SHOALS:
        counted = [r.get("overlaps") for r in runs if r["runner"] == runner and r.get("overlaps") is not None]
        if counted:
            out.append(f"run records: {sum(counted)} overlaps of exclusive or same-key tests in {len(counted)} "
                       f"{runner} runs (bench/overlaps.py)")
    return out
