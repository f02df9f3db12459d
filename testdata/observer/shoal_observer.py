"""A pytest plugin that records each test's outcome, for shoal's integration tests.

Load it with ``-p shoal_observer`` and this directory on PYTHONPATH. At the end
of the session it writes {nodeid: outcome} as JSON to the file named by
SHOAL_OBSERVER_OUT. A test's outcome is the most severe category that
pytest_report_teststatus gives its phase reports, the rule shoal's run record
uses: a call failure over a teardown error over a pass.
"""

import json
import os

PRECEDENCE = {"passed": 1, "skipped": 2, "xfailed": 3, "xpassed": 4, "error": 5, "failed": 6}

_config = None
_outcomes = {}


def pytest_configure(config):
    global _config
    _config = config


def pytest_runtest_logreport(report):
    category = _config.hook.pytest_report_teststatus(report=report, config=_config)[0]
    current = _outcomes.get(report.nodeid)
    if current is None:
        # A test with only uncategorised reports still ran: count it as passed.
        _outcomes[report.nodeid] = category or "passed"
        return
    if PRECEDENCE.get(category, 0) > PRECEDENCE.get(current, 0):
        _outcomes[report.nodeid] = category


def pytest_sessionfinish(session):
    path = os.environ.get("SHOAL_OBSERVER_OUT")
    if not path:
        return
    with open(path, "w", encoding="utf-8") as f:
        json.dump(_outcomes, f, indent=1, sort_keys=True)
