"""Worker gw1, when shoal spawns it, dies while it walks the suite.

A spawned worker imports this conftest.py itself, before it connects to
shoal; a forked one inherits the session's import and never runs this again.
"""

import os

if os.environ.get("SHOAL_WORKER") == "gw1":
    os._exit(3)
