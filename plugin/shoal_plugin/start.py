"""Where each process shoal starts takes its role, before any conftest.

pytest has imported itself and every plugin and read the command line when
it calls pytest_load_initial_conftests; nothing of the suite has run yet. Here:

- the session process connects to shoal and serves as the fork server
  (zygote.py) until shoal tells it what to be: each process it forks, and
  the session process itself where it cannot fork safely, goes on as the
  controller or a worker;
- a spawned worker takes the spec shoal started it with.

From then on every process is an ordinary pytest process in its role: it
imports the conftests, configures, starts its session, collects, runs its
loop and finishes as pytest-xdist's controller or worker does. So a forked
worker lives the same lifecycle as a spawned one, and a conftest sees the
worker's identity at import and at configure time either way.

Runs that only show something (--help, --version, --collect-only,
--fixtures, --markers) take no role: pytest prints what it prints.
"""

import contextlib

import pytest

from shoal_plugin import channel, controller, nodes, worker, zygote

__all__ = ["pytest_load_initial_conftests"]

# The options after which pytest shows something and runs no test.
_INFO_ONLY = ("help", "version", "collectonly", "showfixtures", "show_fixtures_per_test", "markers")


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    if not _take_role(early_config):
        yield
        return
    nodes.add_hookspecs(early_config.pluginmanager)
    with _distributed(early_config.known_args_namespace):
        yield


def _take_role(config):
    """Take this process's role; False where it has none."""
    if worker.spawned():
        worker.become(config, channel.connect(), worker.spec_from_env(), forked=False)
        return True
    ns = config.known_args_namespace
    if any(getattr(ns, name, False) for name in _INFO_ONLY):
        return False
    spec, chan, forked = zygote.serve(channel.connect())
    if spec.get("role") == "controller":
        controller.become(config, chan, spec, forked)
    else:
        worker.become(config, chan, spec, forked)
    return True


@contextlib.contextmanager
def _distributed(namespace):
    """Let plugins that look at the early options see a distributed run.

    pytest-cov decides in its pytest_load_initial_conftests, from xdist's
    options, whether this process is part of a distributed run; under
    pytest-xdist the controller and every worker are, because their command
    line carries -n. shoal's -n is its own, so say the same here, for the
    plugins' early look only: pytest parses the options anew afterwards.
    """
    had = hasattr(namespace, "dist")
    before = getattr(namespace, "dist", None)
    if before in (None, "no"):
        namespace.dist = "load"
    try:
        yield
    finally:
        if had:
            namespace.dist = before
        else:
            del namespace.dist
