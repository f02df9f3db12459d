"""What pytest-xdist's controller hooks are given: a node per worker.

Plugins written for xdist (pytest-cov, and conftests that implement
pytest_configure_node, pytest_testnodeready or pytest_testnodedown) read a
few attributes of xdist's WorkerController: ``workerinput``,
``workeroutput``, ``workerinfo``, ``gateway.id``, ``gateway.spec``,
``gateway._rinfo()``, ``nodemanager.roots`` and ``config``. Node carries
those for one of shoal's workers, so such plugins work unchanged, whether
pytest-xdist is installed or not.
"""

import os
import platform
import sys
import types

import pytest


class XdistHooks:
    """pytest-xdist's controller hooks, for runs where xdist is not installed."""

    @pytest.hookspec()
    def pytest_configure_node(self, node):
        """Configure a node before its worker starts (add to node.workerinput)."""

    @pytest.hookspec()
    def pytest_testnodeready(self, node):
        """A worker has started its session."""

    @pytest.hookspec()
    def pytest_testnodedown(self, node, error):
        """A worker is down: finished (error None) or lost."""


def add_hookspecs(pluginmanager):
    """Declare xdist's controller hooks unless pytest-xdist declared them.

    Call it once every installed plugin is registered and before any
    conftest is: a conftest's implementation is checked against the spec
    as it registers.
    """
    caller = getattr(pluginmanager.hook, "pytest_configure_node", None)
    if caller is None or not caller.has_spec():
        pluginmanager.add_hookspecs(XdistHooks)


def worker_info():
    """What an xdist worker says of itself when it is ready (xdist's getinfodict)."""
    return {
        "version": sys.version,
        "version_info": list(sys.version_info),
        "sysplatform": sys.platform,
        "platform": platform.platform(),
        "executable": sys.executable,
        "cwd": os.getcwd(),
    }


class Spec:
    """The part of an execnet XSpec that plugins read: a local popen worker."""

    def __init__(self, wid):
        self.id = wid
        self.popen = True
        self.chdir = None
        self.python = None
        self.via = None
        self.execmodel = "main_thread_only"

    def __repr__(self):
        return "<XSpec 'popen//id=%s'>" % self.id


class Gateway:
    """The part of an execnet gateway that plugins read."""

    def __init__(self, wid):
        self.id = wid
        self.spec = Spec(wid)

    def _rinfo(self, update=False):
        # Workers run this interpreter on this machine.
        return types.SimpleNamespace(
            executable=sys.executable,
            version_info=sys.version_info,
            platform=sys.platform,
            cwd=os.getcwd(),
            pid=os.getpid(),
        )


class NodeManager:
    """The part of xdist's NodeManager that plugins read."""

    def __init__(self, config, count, uid):
        self.config = config
        self.roots = [config.rootpath]
        self.specs = [Spec("gw%d" % i) for i in range(count)]
        self.testrunuid = uid


class Node:
    """One worker as xdist's controller hooks see it (xdist's WorkerController)."""

    def __init__(self, config, nodemanager, wid):
        self.config = config
        self.nodemanager = nodemanager
        self.gateway = Gateway(wid)
        self.workerinput = {
            "workerid": wid,
            "workercount": len(nodemanager.specs),
            "testrunuid": nodemanager.testrunuid,
            "mainargv": list(sys.argv),
        }
        self.workerinfo = {}
        self.workeroutput = {}
        self._down = False

    @property
    def shutting_down(self):
        return self._down

    def __repr__(self):
        return "<WorkerController %s>" % self.gateway.id
