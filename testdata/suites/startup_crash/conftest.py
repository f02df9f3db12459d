"""Worker gw1 dies as it imports this conftest.py, forked or spawned:
every worker imports the conftests itself, as a pytest-xdist worker does.
"""

import os

if os.environ.get("SHOAL_WORKER") == "gw1":
    os._exit(3)
