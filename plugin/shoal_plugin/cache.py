"""What pytest's cache learns of a run: .pytest_cache's lastfailed, nodeids
and stepwise, written by the controller as pytest-xdist's controller writes
them.

The controller's cacheprovider and stepwise plugins write the cache when
its session ends; the workers' copies of those plugins are unregistered
(each saw only part of the run). shoal sends the run's outcomes with its
"finish" command, and they are given to those plugins here as the reports
pytest would have given them, in the order the tests finished:

  {"reports": [[nodeid, when, outcome], ...],   failed and skipped reports, passed calls
   "collected": [nodeid, ...],                  every test collected and selected
   "collect_failed": [nodeid, ...],             files that did not collect
   "files": [nodeid, ...]}                      files that did
"""

import pytest

try:
    from pytest import CollectReport
except ImportError:  # pytest < 7.0
    from _pytest.reports import CollectReport


# pytest's plugins that write the cache from the reports they see.
WRITERS = ("lfplugin", "stepwiseplugin")


def record(config, results):
    plugins = [config.pluginmanager.get_plugin(name) for name in WRITERS]
    plugins = [p for p in plugins if p is not None]
    for nodeid in results.get("files") or []:
        _collectreport(plugins, CollectReport(nodeid, "passed", None, []))
    for nodeid in results.get("collect_failed") or []:
        _collectreport(plugins, CollectReport(nodeid, "failed", None, []))
    stepwise = config.pluginmanager.get_plugin("stepwiseplugin")
    lastfailed = getattr(config.pluginmanager.get_plugin("lfplugin"), "lastfailed", {})
    for nodeid, when, outcome in results.get("reports") or []:
        if outcome == "passed" and stepwise is None and nodeid not in lastfailed:
            continue  # nothing to clear: most of a large run's reports
        report = pytest.TestReport(nodeid, (nodeid, None, nodeid), {}, outcome, None, when)
        for plugin in plugins:
            plugin.pytest_runtest_logreport(report=report)
    # With --nf or without, pytest's nfplugin ends up knowing every test
    # collected; the controller's copy saw no collection of its own.
    new_first = config.pluginmanager.get_plugin("nfplugin")
    if new_first is not None:
        new_first.cached_nodeids.update(results.get("collected") or [])


def _collectreport(plugins, report):
    for plugin in plugins:
        hook = getattr(plugin, "pytest_collectreport", None)
        if hook is not None:
            hook(report=report)
