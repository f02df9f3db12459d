"""Starts a Python thread at import when SHOAL_IT_THREAD=module.

Test modules are imported by the workers, after shoal forked them, whether
they collect lazily or eagerly (node ids in the arguments): shoal forks.
"""

import os
import threading
import time

import pytest

if os.environ.get("SHOAL_IT_THREAD") == "module":
    threading.Thread(target=time.sleep, args=(3600,), daemon=True, name="module-sleeper").start()


def test_sees_its_thread():
    want = {"module": "module-sleeper", "conftest": "conftest-sleeper", "plugin": "plugin-sleeper"}.get(
        os.environ.get("SHOAL_IT_THREAD")
    )
    names = {t.name for t in threading.enumerate()}
    assert want is None or want in names


def test_fails():
    assert "thread" == "fork"


@pytest.mark.skip(reason="skipped on purpose")
def test_skipped():
    pass
