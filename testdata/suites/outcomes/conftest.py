"""Fixtures of every scope, shared through conftest.

Each wide-scoped fixture counts its set-ups in a process-wide dict, so tests
can check that the scope really is shared within one process (a worker, or
plain pytest).
"""

import pytest

SETUPS = {"session": 0, "module": 0, "class": 0}


@pytest.fixture(scope="session")
def session_resource():
    SETUPS["session"] += 1
    return {"name": "session", "setups": SETUPS}


@pytest.fixture(scope="module")
def module_resource(request):
    SETUPS["module"] += 1
    return {"module": request.module.__name__}


@pytest.fixture(scope="class")
def class_resource(request):
    SETUPS["class"] += 1
    return {"cls": request.cls.__name__ if request.cls else None}


@pytest.fixture
def greeting():
    return "hello"


@pytest.fixture
def broken_setup():
    raise RuntimeError("setup went wrong")


@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown went wrong")
