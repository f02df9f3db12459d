"""What shoal changes in pytest's configuration, in the controller and the workers.

shoal owns stopping (-x, --maxfail), the JUnit file and parallelism, so those
pytest features are switched off inside the pytest processes it drives; Go
reads their values first, from the options the session process reports.
"""

import os
import platform
import sys

import pluggy
import pytest

from shoal_plugin import timeout

_DIST = {}  # config → pytest-xdist's --dist as the user gave it

# How shoal reads pytest-xdist's --dist; the others have no meaning here.
DIST_MODES = ("load", "loadscope", "loadfile", "worksteal")


def adopt_command_line(config):
    """Set the parsed command line as every process of a shoal run needs
    it (the controller, the workers, the one process of -n 0): no
    pytest-xdist workers of its own, and shoal's --timeout given to
    pytest-timeout where it is installed."""
    neutralise_xdist(config)
    timeout.share(config)


def neutralise_xdist(config):
    # `-n` in addopts would make pytest-xdist start its own workers.
    if getattr(config.option, "numprocesses", None):
        config.option.numprocesses = None
    if hasattr(config.option, "dist"):
        _DIST[id(config)] = config.option.dist
        config.option.dist = "no"


def check_options(config):
    """Refuse what shoal cannot honour, before anything runs (exit 4): a
    --dist other than xdist's load modes ("no" is xdist's default, refused
    only where the command line says it), and --pdb, whose prompt no
    worker could show."""
    if getattr(config.option, "usepdb", False):
        raise pytest.UsageError(
            "--pdb cannot reach a test on shoal's workers, which have no terminal. "
            "Debug the failing test with plain pytest --pdb"
        )
    dist = _DIST.get(id(config), "no")
    if dist == "each":
        raise pytest.UsageError(
            "shoal runs each test once; --dist each (every test on every worker) is not supported. "
            "Run pytest -n N --dist each for that"
        )
    if dist == "no" and any(a in ("--dist=no", "--dist") for a in config.invocation_params.args):
        raise pytest.UsageError("--dist no turns distribution off; with shoal, ask for one worker: shoal run -n 1")


def header(config):
    """The lines pytest's header shows under "test session starts"."""
    line = f"platform {sys.platform} -- Python {platform.python_version()}"
    line += f", pytest-{pytest.__version__}, pluggy-{pluggy.__version__}"
    if config.option.verbose > 0:
        line += " -- " + sys.executable
    lines = [line]
    where = config.invocation_params.dir
    for group in reversed(config.hook.pytest_report_header(config=config, start_path=where)):
        lines.extend([group] if isinstance(group, str) else group)
    return lines


def options_for_go(config):
    """The option values that change what Go reports."""
    opt = config.option
    return {
        "verbose": opt.verbose,
        "reportchars": _report_chars(config),
        "maxfail": _maxfail(opt),
        "xmlpath": getattr(opt, "xmlpath", None),
        "continue_on_collection_errors": opt.continue_on_collection_errors,
        "showcapture": getattr(opt, "showcapture", "all"),
        "disable_warnings": getattr(opt, "disable_warnings", False),
        "no_header": getattr(opt, "no_header", False),
        "no_summary": getattr(opt, "no_summary", False),
        "junit_suite_name": config.getini("junit_suite_name"),
        "junit_family": config.getini("junit_family"),
        "junit_logging": config.getini("junit_logging"),
        "junit_log_passing_tests": config.getini("junit_log_passing_tests"),
        "junit_duration_report": config.getini("junit_duration_report"),
        "tbstyle": getattr(opt, "tbstyle", "auto"),
        "stepwise": bool(getattr(opt, "stepwise", False) or getattr(opt, "stepwise_skip", False)),
        "dist": _DIST.get(id(config), "") if _DIST.get(id(config)) in DIST_MODES else "",
    }


def _maxfail(opt):
    """--maxfail, or where --sw stops: at the first failure (the second with
    --sw-skip), as pytest's stepwise plugin does."""
    if getattr(opt, "stepwise", False) or getattr(opt, "stepwise_skip", False):
        stop = 2 if getattr(opt, "stepwise_skip", False) else 1
        return min(opt.maxfail, stop) if opt.maxfail else stop
    return opt.maxfail


def _report_chars(config):
    try:
        from _pytest.terminal import getreportopt
    except ImportError:  # a pytest without it: take -r as given
        return getattr(config.option, "reportchars", "fE")
    return getreportopt(config)


def take_over_reporting(config):
    """Called from a tryfirst pytest_configure, before junitxml configures itself."""
    if hasattr(config.option, "xmlpath"):
        config.option.xmlpath = None
    config.option.maxfail = 0


def drop_cache_writers(config):
    # A worker sees only part of the run; its idea of "last failed" is wrong.
    for name in ("lfplugin", "stepwiseplugin", "nfplugin"):
        plugin = config.pluginmanager.get_plugin(name)
        if plugin is not None:
            config.pluginmanager.unregister(plugin, name)


def take_run_basetemp(config):
    """The session's basetemp goes in shoal's run directory, removed with it,
    unless --basetemp says where. Call it before pytest's tmpdir plugin
    configures itself (from a tryfirst pytest_configure)."""
    given = os.environ.get("SHOAL_RUN_BASETEMP")
    if given and getattr(config.option, "basetemp", None) is None:
        config.option.basetemp = given
