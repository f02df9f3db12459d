"""A conftest written for pytest-xdist, as many are.

At import and in pytest_configure it notes what it sees of the worker (the
environment, config.workerinput); each worker counts the tests it runs and
hands the count back in config.workeroutput; the controller adds a key to
every worker's workerinput in pytest_configure_node, collects the counts in
pytest_testnodedown and prints them in its terminal summary. Under plain
pytest there are no workers and the summary line is not printed.
"""

import os

import pytest

IMPORTED_AS = os.environ.get("PYTEST_XDIST_WORKER")
SEEN = {}
DOWN = []


def pytest_configure(config):
    SEEN["count"] = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    SEEN["worker"] = os.environ.get("PYTEST_XDIST_WORKER")
    SEEN["workerinput"] = getattr(config, "workerinput", None)
    if hasattr(config, "workerinput"):
        config.tests_run_here = 0


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    node.workerinput["from_controller"] = "hello " + node.gateway.id


def pytest_runtest_teardown(item):
    if hasattr(item.config, "workerinput"):
        item.config.tests_run_here += 1


def pytest_sessionfinish(session):
    config = session.config
    if hasattr(config, "workerinput"):
        config.workeroutput["tests_run_here"] = config.tests_run_here
        config.workeroutput["worker"] = config.workerinput["workerid"]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    DOWN.append((node.gateway.id, node.workeroutput.get("worker"), node.workeroutput.get("tests_run_here", 0), error))


def pytest_terminal_summary(terminalreporter):
    if not DOWN:
        return
    same = all(gid == worker for gid, worker, _, _ in DOWN)
    errors = [error for _, _, _, error in DOWN if error]
    terminalreporter.write_line(
        "nodes down: %d, tests run on them: %d, workeroutput from the right worker: %s, errors: %s"
        % (len(DOWN), sum(n for _, _, n, _ in DOWN), same, errors)
    )
