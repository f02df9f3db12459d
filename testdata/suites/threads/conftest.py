"""Starts a Python thread at import when SHOAL_IT_THREAD=conftest.

Every worker imports conftest.py itself, after shoal forked it, as a
pytest-xdist worker does: the thread runs in each worker and shoal still
forks. Without the variable nothing starts.
"""

import os
import threading
import time

if os.environ.get("SHOAL_IT_THREAD") == "conftest":
    threading.Thread(target=time.sleep, args=(3600,), daemon=True, name="conftest-sleeper").start()
