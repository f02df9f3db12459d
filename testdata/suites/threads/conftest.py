"""Starts a Python thread at import when SHOAL_IT_THREAD=conftest.

The session process imports conftest.py, so the thread runs there when shoal
would fork its workers: shoal must spawn them instead. Without the variable
nothing starts, and shoal forks.
"""

import os
import threading
import time

if os.environ.get("SHOAL_IT_THREAD") == "conftest":
    threading.Thread(target=time.sleep, args=(3600,), daemon=True, name="conftest-sleeper").start()
