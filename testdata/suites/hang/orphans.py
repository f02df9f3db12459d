"""Child processes that would outlive the test that starts them.

Each writes its pid into $SHOAL_IT_PIDS (else this directory) as PID.pid and
sleeps; its command line names this directory, so the integration tests can
check that none is left after a run.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

_CHILD = """
import os, sys, time
path = os.path.join(sys.argv[1], "%d.pid" % os.getpid())
with open(path + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(path + ".tmp", path)
time.sleep(120)
"""


def leave_child():
    where = os.environ.get("SHOAL_IT_PIDS") or HERE
    subprocess.Popen([sys.executable, "-c", _CHILD, where, HERE])
