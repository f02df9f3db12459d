"""The pure parts of the corpus benchmark: which libraries a suite names, the
first round's estimate, one library's row from compare.py's runs.json, and the
table of several machines."""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import compare  # noqa: E402
import corpus  # noqa: E402
import suites  # noqa: E402


@pytest.mark.parametrize("args, want", [
    (["--pyargs", "networkx"], ["networkx"]),
    (["--pyargs", "sklearn.cluster", "sklearn.linear_model"], ["sklearn"]),
    (["--pyargs", "sympy.logic::test_x", "-k", "not slow", "-p", "no:randomly"], ["sympy"]),
    (["-m", "fast", "--pyargs", "mpmath"], ["mpmath"]),
    (["tests/test_a.py"], []),
    (["--pyargs", "-W", "error", "bs4"], ["bs4"]),
])
def test_libraries_are_the_pyargs_targets(args, want):
    assert suites.Suite("pyargs", ".", args).libraries() == want


@pytest.mark.parametrize("plan, todo, want", [
    # serial: collection + every test; xdist: collection + an even share; shoal: its prediction
    ({"serial": 80.0, "predicted_makespan": 45.0}, ["serial", "xdist-load", "shoal"], 10 + 80 + 10 + 40 + 45),
    ({"serial": 80.0, "predicted_makespan": 45.0}, ["xdist-worksteal", "shoal"], 10 + 40 + 45),
    ({"serial": None, "predicted_makespan": 45.0}, ["serial", "shoal"], None),
    ({}, ["serial"], None),
])
def test_first_round_estimate(plan, todo, want):
    head = {"shoal_plan": plan, "warmup": {"seconds": 10.0}}
    assert compare.first_round_estimate(head, todo, 2) == want


def _run(runner, rnd, wall, tests=100, timed_out=False):
    return {"runner": runner, "round": rnd, "wall_s": wall, "tests": tests, "timed_out": timed_out}


@pytest.mark.parametrize("case", [
    {
        "name": "the fastest xdist mode is the best",
        "runs": [_run("serial", 1, 60), _run("xdist-load", 1, 40), _run("xdist-loadfile", 1, 35),
                 _run("shoal", 1, 30), _run("xdist-load", 2, 42), _run("xdist-loadfile", 2, 37), _run("shoal", 2, 32)],
        "verdicts": {"serial": "same", "xdist-load": "same", "xdist-loadfile": "same", "shoal": "same"},
        "best": "xdist-loadfile", "medians": {"serial": 60, "xdist-load": 41, "xdist-loadfile": 36, "shoal": 31},
        "rounds": 2, "timed_out": [],
    },
    {
        "name": "a fast xdist mode with other outcomes is no best",
        "runs": [_run("serial", 1, 60), _run("xdist-load", 1, 40), _run("xdist-loadfile", 1, 20), _run("shoal", 1, 30)],
        "verdicts": {"serial": "same", "xdist-load": "same", "xdist-loadfile": "DIFFER (1 run)", "shoal": "same"},
        "best": "xdist-load", "medians": {"serial": 60, "xdist-load": 40, "xdist-loadfile": 20, "shoal": 30},
        "rounds": 1, "timed_out": [],
    },
    {
        "name": "a run killed at the time limit has no median",
        "runs": [_run("serial", 1, 60), _run("shoal", 1, 120, tests=None, timed_out=True)],
        "verdicts": {"serial": "same", "shoal": "DIFFER (1 run)"},
        "best": None, "medians": {"serial": 60}, "rounds": 1, "timed_out": ["shoal"],
    },
], ids=lambda c: c["name"])
def test_summarise(tmp_path, case):
    data = {"runs": case["runs"], "notes": ["a note"], "finished": True,
            "outcome_check": {"ok": all(v == "same" for v in case["verdicts"].values()), "runners": case["verdicts"]}}
    (tmp_path / "runs.json").write_text(json.dumps(data))
    got = corpus.summarise(str(tmp_path))
    assert got["best_xdist"] == case["best"]
    assert got["medians"] == case["medians"]
    assert got["rounds"] == case["rounds"]
    assert got["timed_out"] == case["timed_out"]
    assert got["notes"] == ["a note"]


def test_summarise_without_results(tmp_path):
    assert corpus.summarise(str(tmp_path))["skipped"].startswith("no results")


def _corpus(label, rows):
    return {"label": label, "python_stack": {"python": "3.11", "pytest": "7.2", "xdist": "3.1"},
            "machine": {"nproc": 2, "cpu_model": "cpu", "loadavg_start": [1, 2, 3]}, "libraries": rows}


def _lib(name, serial, xdist, shoal, ok=True):
    return {"name": name, "version": "1.0", "tests": 1000, "rounds": 3, "best_xdist": "xdist-load",
            "medians": {"serial": serial, "xdist-load": xdist, "shoal": shoal}, "outcomes_ok": ok,
            "verdicts": {"serial": "same", "xdist-load": "same", "shoal": "same" if ok else "DIFFER (3 runs)"}}


def test_render_one_machine():
    text = corpus.render([_corpus("2 cores", [_lib("networkx", 90, 50, 40),
                                              {"name": "sympy.logic", "version": None, "skipped": "does not import"}])])
    assert "| `networkx` | 1.0 | 1,000 | 3 | 90.00 | 50.00 (load) | 40.00 | 2.25x | 1.25x | same |" in text
    assert "| `sympy.logic` | – | | | | | | | | does not import |" in text


def test_render_side_by_side():
    two = _corpus("2 cores", [_lib("networkx", 90, 50, 40), _lib("sklearn.cluster", 30, 20, 25, ok=False)])
    sixteen = _corpus("16 cores", [_lib("networkx", 120, 40, 20)])
    text = corpus.render([two, sixteen])
    assert "| library | 2 cores: serial / shoal, best xdist / shoal | 16 cores: serial / shoal, best xdist / shoal |" in text
    assert "| `networkx` | 2.25x, 1.25x | 6.00x, 2.00x |" in text
    assert "| `sklearn.cluster` | 1.20x, 0.80x (outcomes differ) | – |" in text


def test_summarise_without_runs_says_why(tmp_path):
    note = "stopped after round 0 of 3: round 1 (~90 s, judged by the shoal warm-up's plan) would end past --deadline 60 s"
    (tmp_path / "runs.json").write_text(json.dumps({"runs": [], "notes": [note], "outcome_check": {"ok": False}}))
    assert corpus.summarise(str(tmp_path)) == {"skipped": note}
