"""Tests that use conftest fixtures of every scope."""

import pytest


def test_session_fixture(session_resource):
    assert session_resource["name"] == "session"


def test_session_fixture_shared(session_resource):
    # Within one process the session fixture is set up once.
    assert session_resource["setups"]["session"] == 1


def test_module_fixture(module_resource):
    assert module_resource["module"] == "test_fixtures"


def test_module_fixture_again(module_resource, request):
    assert module_resource is request.getfixturevalue("module_resource")


@pytest.fixture
def local_fixture(greeting):
    return greeting + " world"


def test_local_fixture_uses_conftest(local_fixture):
    assert local_fixture == "hello world"
