"""The suites a benchmark can run: where each runs from and with which pytest arguments."""

import os
import shlex

import gen_big
import gen_sleep
import gen_trivial

NAMES = ("networkx", "pyargs", "trivial", "sleep", "big")

# pytest options whose value is the next argument, so it is no package name.
VALUE_OPTIONS = {"-k", "-m", "-p", "-o", "-c", "-W", "-r", "--deselect", "--ignore", "--ignore-glob",
                 "--rootdir", "--confcutdir", "--basetemp", "--maxfail", "--tb", "--durations",
                 "--import-mode", "--override-ini", "--junitxml", "--log-level"}


class Suite:
    def __init__(self, name, cwd, args, info=None):
        self.name = name
        self.cwd = cwd      # the directory every runner starts in
        self.args = args    # pytest arguments, the same for every runner
        self.info = info or {}

    def libraries(self):
        """The top-level packages whose installed tests the suite runs (the
        targets of --pyargs), in order."""
        if "--pyargs" not in self.args:
            return []
        names = []
        for before, arg in zip([None] + self.args, self.args):
            top = arg.split("::")[0].split(".")[0]
            if arg.startswith("-") or before in VALUE_OPTIONS or not top.isidentifier():
                continue
            if top not in names:
                names.append(top)
        return names


def prepare(name, out, pytest_args=None, trace=None, scale=1.0):
    """Generate the suite under out if it is generated; return how to run it.

    pytest_args (a string, split like a shell would) replaces the suite's
    default arguments, e.g. to narrow networkx to one package.
    """
    args = shlex.split(pytest_args) if pytest_args is not None else None
    if name in ("networkx", "pyargs"):
        if name == "pyargs" and not args:
            raise SystemExit('compare: the pyargs suite needs --pytest-args, e.g. "--pyargs sklearn.cluster"')
        # An empty directory: no stray conftest.py or ini file of ours applies.
        cwd = os.path.join(out, "cwd-" + name)
        os.makedirs(cwd, exist_ok=True)
        return Suite(name, cwd, args if args is not None else ["--pyargs", "networkx"])
    cwd = os.path.join(out, "suite-" + name)
    if name == "trivial":
        info = gen_trivial.generate(cwd, 100, 100)
    elif name == "big":
        info = gen_big.generate(cwd)
    elif name == "sleep":
        info = gen_sleep.generate(cwd, trace, scale=scale)
    else:
        raise ValueError(f"unknown suite {name!r}")
    return Suite(name, cwd, args if args is not None else [], info)


def default_trace(repo):
    """The measured networkx trace the sleeping suite draws from, next to the repository."""
    for base in (os.path.join(repo, "shared"), os.path.join(os.path.dirname(repo), "shared")):
        path = os.path.join(base, "traces", "networkx-3.6.1-serial.jsonl")
        if os.path.isfile(path):
            return path
    return None
