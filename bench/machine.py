"""What a benchmark ran on: the machine, the Python stack and shoal's build."""

import json
import os
import platform
import subprocess

PROBE = r"""
import importlib.metadata, json, sys
info = {"python": sys.version.split()[0], "executable": sys.executable}
for name in ("pytest", "xdist", "networkx"):
    try:
        info[name] = __import__(name).__version__
    except Exception as e:
        info[name] = None
info["libraries"] = {}
for name in sys.argv[1:]:
    try:
        module = __import__(name)
        version = getattr(module, "__version__", None)
        if not isinstance(version, str):
            version = importlib.metadata.version(name)
    except Exception:
        continue
    info["libraries"][name] = version
try:
    import xdist.scheduler
    info["worksteal"] = hasattr(xdist.scheduler, "WorkStealingScheduling")
except Exception:
    info["worksteal"] = False
print(json.dumps(info))
"""


def python_stack(python, libraries=()):
    """Versions of python, pytest, xdist, networkx and the given importable
    libraries (those that do not import are left out) in the interpreter that
    runs the tests."""
    try:
        out = subprocess.run([python, "-c", PROBE, *libraries], capture_output=True, text=True, timeout=120)
    except OSError as e:
        raise SystemExit(f"compare: cannot run {python}: {e}\nhint: pass --python or set SHOAL_PYTHON")
    if out.returncode != 0:
        raise SystemExit(f"compare: {python} -c <version probe> failed:\n{out.stderr}")
    return json.loads(out.stdout)


def host():
    """CPU count, CPU model, memory, kernel and load of this machine."""
    info = {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": _cpuinfo_field("model name") or platform.processor() or "unknown",
        "kernel": platform.release(),
        "mem_total": _meminfo_total(),
    }
    info["loadavg_start"] = loadavg()
    return info


def loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def shoal_version(shoal):
    """`shoal version`, and the commit it was built from when Go stamped one into it."""
    info = {"path": shoal}
    try:
        out = subprocess.run([shoal, "version"], capture_output=True, text=True, timeout=60)
        info["version"] = out.stdout.strip() or out.stderr.strip()
    except OSError as e:
        info["version"] = f"cannot run: {e}"
    go = find_go()
    if go:
        out = subprocess.run([go, "version", "-m", shoal], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "build":
                key, _, value = parts[1].partition("=")
                if key in ("vcs.revision", "vcs.modified", "vcs.time"):
                    info[key] = value
            elif line.startswith(shoal + ":"):
                info["go"] = line.split(":", 1)[1].strip()
    return info


def find_go():
    """The go command: on PATH, else where the official tarball installs it."""
    for d in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/local/go/bin"]:
        path = os.path.join(d, "go")
        if d and os.access(path, os.X_OK):
            return path
    return None


def _cpuinfo_field(name):
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == name:
                    return value.strip()
    except OSError:
        pass
    return None


def _meminfo_total():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    kb = int(line.split()[1])
                    return f"{kb / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return None
