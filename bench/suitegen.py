"""Writes a generated suite to disk, shared by the gen_*.py scripts.

Files are rewritten only when their text changes, so regenerating the same
suite keeps its modification times and Python's bytecode cache stays valid
across benchmark invocations. A manifest of the generated names lets a later
generation remove the files an earlier, bigger one left behind.
"""

import json
import os

MANIFEST = ".generated.json"


def write_tree(out, files, info):
    """Write files ({relative name: text}) under out, plus suite.json with info."""
    os.makedirs(out, exist_ok=True)
    files = dict(files)
    files["suite.json"] = json.dumps(info, indent=1, sort_keys=True) + "\n"
    for name in _previous(out) - set(files):
        try:
            os.remove(os.path.join(out, name))
        except FileNotFoundError:
            pass
    for name, text in sorted(files.items()):
        _write_if_changed(os.path.join(out, name), text)
    _write_if_changed(os.path.join(out, MANIFEST), json.dumps(sorted(files), indent=0) + "\n")


def _previous(out):
    try:
        with open(os.path.join(out, MANIFEST)) as f:
            return set(json.load(f))
    except (FileNotFoundError, ValueError):
        return set()


def _write_if_changed(path, text):
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
