"""Ways a run ends other than by its tests' outcomes, one per SHOAL_IT_CASE.

finish_raise    pytest_sessionfinish raises
finish_status3  pytest_sessionfinish sets session.exitstatus = 3
finish_status0  pytest_sessionfinish sets session.exitstatus = 0 (a test fails)
hook_error      pytest_runtest_logreport raises: an internal error
exit_fixture    a session fixture calls pytest.exit
keyboard        a test raises KeyboardInterrupt
killpg          a test sends SIGINT to its process group
exit7           a test calls pytest.exit(returncode=7)
"""

import os

import pytest

CASE = os.environ.get("SHOAL_IT_CASE", "")


def pytest_sessionfinish(session, exitstatus):
    if CASE == "finish_raise":
        raise RuntimeError("raised in pytest_sessionfinish")
    if CASE == "finish_status3":
        session.exitstatus = 3
    if CASE == "finish_status0":
        session.exitstatus = 0


def pytest_runtest_logreport(report):
    if CASE == "hook_error" and report.when == "call":
        raise RuntimeError("raised in pytest_runtest_logreport")


@pytest.fixture(scope="session")
def session_fixture():
    if CASE == "exit_fixture":
        pytest.exit("pytest.exit in a session fixture")
    yield
