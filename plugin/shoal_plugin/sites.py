"""Where a test's isolation marker is written, for ``shoal audit --fix``.

Python's own parser finds the decorators: for a test function (or method)
each ``@<...>.mark.NAME`` or ``@<...>.mark.NAME(...)`` decorator, with its
exact position (lines from 1, columns in UTF-8 bytes, as ast gives them),
where its call's arguments start, and its key arguments; the same for a
class decorator that covers the test. A marker set through ``pytestmark``
or ``pytest.param(marks=...)`` is reported with its kind only: shoal does
not rewrite those.
"""

import ast
import inspect
import os

_trees = {}


def _tree(path):
    if path not in _trees:
        try:
            with open(path, "rb") as f:
                _trees[path] = ast.parse(f.read(), filename=path)
        except (OSError, SyntaxError, ValueError):
            _trees[path] = None
    return _trees[path]


def _marker_name(node, name):
    """The Attribute node of `<...>.mark.NAME` (or `mark.NAME`) in a decorator, or None."""
    target = node.func if isinstance(node, ast.Call) else node
    if not isinstance(target, ast.Attribute) or target.attr != name:
        return None
    base = target.value
    if isinstance(base, ast.Attribute) and base.attr == "mark":
        return target
    if isinstance(base, ast.Name) and base.id == "mark":
        return target
    return None


def _site(path, deco, scope, name):
    attr = _marker_name(deco, name)
    if attr is None:
        return None
    site = {
        "path": path,
        "scope": scope,
        "line": deco.lineno,
        "col": deco.col_offset,
        "end_line": deco.end_lineno,
        "end_col": deco.end_col_offset,
        "name_end": [attr.end_lineno, attr.end_col_offset],
        "keys": [],
    }
    if isinstance(deco, ast.Call):
        for arg in deco.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                site["keys"].append(arg.value)
            else:
                site["keys"].append(None)  # not a plain string: shoal leaves it alone
    return site


def _chain(body, names):
    """The nodes along the dotted path, outermost first; [] when one is missing."""
    nodes = []
    for part in names:
        found = None
        for child in body:
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child.name == part:
                found = child
        if found is None:
            return []
        nodes.append(found)
        body = found.body
    return nodes


def find(item, name):
    """Where item's `name` markers are written: a list of sites, possibly empty."""
    func = getattr(item, "function", None) or getattr(item, "obj", None)
    func = inspect.unwrap(func) if func is not None else None
    code = getattr(func, "__code__", None)
    qualname = getattr(func, "__qualname__", "")
    if code is None or "<locals>" in qualname:
        return []
    path = os.path.abspath(code.co_filename)
    tree = _tree(path)
    if tree is None:
        return []
    nodes = _chain(tree.body, qualname.split("."))
    if not nodes:
        return []
    out = []
    for node in nodes:
        scope = "function" if node is nodes[-1] else "class"
        for deco in node.decorator_list:
            site = _site(path, deco, scope, name)
            if site is not None:
                out.append(site)
    if not out and any(m.name == name for m in item.iter_markers(name)):
        out.append({"path": path, "scope": "elsewhere"})
    return out
