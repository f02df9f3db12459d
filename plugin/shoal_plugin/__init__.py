"""shoal's pytest plugin: loaded with ``-p shoal_plugin`` by the shoal binary.

The Go side owns every decision. This package runs pytest's lifecycle in the
roles shoal gives its processes and tells Go what happened over a private
socket. Every process takes its role in start.py, before any conftest is
imported; the mode comes from SHOAL_MODE:

- ``session``: the fork server (zygote.py). It forks, on shoal's word, the
  controller and the workers, or becomes the controller itself where
  forking is unsafe and shoal spawns the workers.
- ``worker``: a worker shoal spawned.
- ``inline``: ``shoal run -n 0``: pytest runs the suite itself, in the
  foreground (inline.py).

The controller (controller.py) is the session pytest-xdist's controller
is; a worker (worker.py) collects and runs what shoal sends (loop.py).

SHOAL_TRACE (shoal audit) adds the trace module's hooks in either mode.

Without SHOAL_MODE the plugin does nothing, so a stray ``-p shoal_plugin`` is
harmless.
"""

import os

MODE = os.environ.get("SHOAL_MODE", "")

if MODE in ("session", "worker"):
    from shoal_plugin.start import *  # noqa: F401,F403  (hook implementations)
elif MODE == "inline":
    from shoal_plugin.inline import *  # noqa: F401,F403  (hook implementations)

if MODE and (os.environ.get("SHOAL_TRACE") or os.environ.get("SHOAL_TRACE_PAIRS")):
    from shoal_plugin.trace import *  # noqa: F401,F403  (hook implementations)
