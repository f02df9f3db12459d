"""The markers that say how a test may share the machine with others.

- ``isolation``: nothing else runs at the same time. ``isolation("key")``
  only keeps out other tests holding that key.
- ``resource("key", ...)``: tests holding a key take turns (up to its limit).
- ``xdist_group("name")``: pytest-xdist's grouping, kept as a lock per name.
- ``heavy(slots=N)``: the test takes N workers' share of the machine.

Their names can be changed in ``[tool.shoal.markers]``; shoal passes the
names in SHOAL_MARKERS. Each is registered, so --strict-markers accepts them.
"""

import json
import os

DEFAULT = {"isolation": "isolation", "resource": "resource", "heavy": "heavy", "xdist_group": "xdist_group"}

HELP = {
    "isolation": 'run alone: nothing else at the same time; with a key ("name"), apart from tests holding that key',
    "resource": "take turns with other tests holding the same keys (limits in [tool.shoal.resources])",
    "heavy": "takes slots=N workers' share of the machine",
    "xdist_group": "tests of one group never run at the same time",
}


class BadMark(Exception):
    """A marker whose arguments shoal cannot use."""


def names():
    out = dict(DEFAULT)
    raw = os.environ.get("SHOAL_MARKERS")
    if raw:
        out.update(json.loads(raw))
    return out


def register(config):
    for role, name in names().items():
        config.addinivalue_line("markers", "%s: %s (shoal)" % (name, HELP[role]))


def describe(item, names):
    """What shoal must know of a test's markers, or None for an ordinary test."""
    out = {}
    keys = []
    for mark in item.iter_markers(names["isolation"]):
        args = _keys(mark, names["isolation"], required=False)
        if args:
            keys.extend(args)
        else:
            out["x"] = True
    for mark in item.iter_markers(names["resource"]):
        keys.extend(_keys(mark, names["resource"], required=True))
    for mark in item.iter_markers(names["xdist_group"]):
        name = mark.kwargs.get("name", mark.args[0] if mark.args else None)
        if not isinstance(name, str) or not name:
            raise BadMark("@pytest.mark.%s needs a group name, as in %s(\"db\")" % (names["xdist_group"], names["xdist_group"]))
        keys.append("xdist_group:" + name)
    mark = item.get_closest_marker(names["heavy"])
    if mark is not None:
        slots = mark.kwargs.get("slots", mark.args[0] if mark.args else None)
        if isinstance(slots, bool) or not isinstance(slots, int) or slots < 1:
            raise BadMark("@pytest.mark.%s needs slots=N with N a whole number of at least 1, not %r" % (names["heavy"], slots))
        if slots > 1:
            out["s"] = slots
    if keys:
        out["k"] = sorted(set(keys))
    return out or None


def _keys(mark, name, required):
    if mark.kwargs:
        raise BadMark("@pytest.mark.%s takes key names only, not %s=" % (name, ", ".join(sorted(mark.kwargs))))
    if required and not mark.args:
        raise BadMark("@pytest.mark.%s needs at least one key, as in %s(\"db\")" % (name, name))
    for arg in mark.args:
        if not isinstance(arg, str) or not arg:
            raise BadMark("@pytest.mark.%s keys are names (strings), not %r" % (name, arg))
    return list(mark.args)
