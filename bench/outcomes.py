"""Observer plugin for the benchmarks: records every test's outcome, changes nothing.

Loaded with ``-p outcomes`` (compare.py puts a copy on PYTHONPATH). Each report's
category comes from ``pytest_report_teststatus`` as pytest and its plugins
decide it; a test's outcome is its most severe category, as shoal's run record
names it (failed > error > xpassed > xfailed > skipped > passed). At the end of
the session the outcomes go, as JSON {nodeid: outcome}, to the file named by
$SHOAL_BENCH_OUTCOMES. Under pytest-xdist only the controller writes: it sees
every worker's reports.
"""

import json
import os

import pytest

ENV = "SHOAL_BENCH_OUTCOMES"
SEVERITY = {"passed": 1, "skipped": 2, "xfailed": 3, "xpassed": 4, "error": 5, "failed": 6}

_outcomes = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_report_teststatus(report, config):
    result = yield
    status = result.get_result()
    category = status[0] if status else ""
    previous = _outcomes.get(report.nodeid)
    if category not in SEVERITY:
        # Setup and teardown that passed (""), or a plugin's own category:
        # the test counts as run, as shoal counts it.
        _outcomes.setdefault(report.nodeid, None)
    elif previous is None or SEVERITY[category] > SEVERITY[previous]:
        _outcomes[report.nodeid] = category


def pytest_collectreport(report):
    # A module that fails to import is an error; one skipped at module level
    # (importorskip) is a skip, as shoal's run record says.
    if report.failed:
        _outcomes[report.nodeid] = "error"
    elif report.skipped:
        _outcomes[report.nodeid] = "skipped"


def pytest_sessionfinish(session):
    path = os.environ.get(ENV)
    if not path or hasattr(session.config, "workerinput"):
        return
    data = {nodeid: outcome or "passed" for nodeid, outcome in _outcomes.items()}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=0, sort_keys=True)
    os.replace(tmp, path)
