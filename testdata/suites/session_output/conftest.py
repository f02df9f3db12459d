"""Prints from the session's hooks, in the process that is not a worker:
plain pytest's, or pytest-xdist's (and shoal's) controller. The terminal
summary counts the tests from the terminal reporter's statistics, as
plugins do."""

import os


def _session(config):
    return not hasattr(config, "workerinput")


def pytest_configure(config):
    if _session(config):
        print("session_output: pytest_configure in the session")


def pytest_sessionstart(session):
    if _session(session.config):
        print("session_output: pytest_sessionstart in the session")


def pytest_terminal_summary(terminalreporter):
    stats = terminalreporter.stats
    terminalreporter.write_line(
        "session_output: terminal summary through the reporter: %d failed, %d passed"
        % (len(stats.get("failed", [])), len(stats.get("passed", [])))
    )
    print("session_output: terminal summary with print")


def pytest_unconfigure(config):
    if _session(config):
        print("session_output: pytest_unconfigure in the session")
