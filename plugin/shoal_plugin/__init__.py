"""shoal's pytest plugin: loaded with ``-p shoal_plugin`` by the shoal binary.

The Go side owns every decision. This package only collects the suite and runs
the tests it is told to run, and tells Go what happened over a private socket.
The mode comes from SHOAL_MODE:

- ``session``: collect once, send the inventory, then fork the workers from this
  process (zygote.py; or let Go spawn them) and wait for them.
- ``worker``: a spawned worker; collects, then runs what Go sends.
- ``inline``: ``shoal run -n 0``: pytest runs the suite itself, in the
  foreground (inline.py).

Forked or spawned, a process becomes a worker in start.py and runs the worker
loop of loop.py.

SHOAL_TRACE (shoal audit) adds the trace module's hooks in either mode.

Without SHOAL_MODE the plugin does nothing, so a stray ``-p shoal_plugin`` is
harmless.
"""

import os

MODE = os.environ.get("SHOAL_MODE", "")

if MODE == "session":
    from shoal_plugin.session import *  # noqa: F401,F403  (hook implementations)
elif MODE == "worker":
    from shoal_plugin.worker import *  # noqa: F401,F403  (hook implementations)
elif MODE == "inline":
    from shoal_plugin.inline import *  # noqa: F401,F403  (hook implementations)

if MODE and (os.environ.get("SHOAL_TRACE") or os.environ.get("SHOAL_TRACE_PAIRS")):
    from shoal_plugin.trace import *  # noqa: F401,F403  (hook implementations)
