"""A test that makes its tmp_path only after three other pytest runs of the
same user have come and gone, as they do on a busy machine or a CI host.

Each pytest run keeps the three newest numbered basetemps under
$TMPDIR/pytest-of-<user> and deletes older ones that no live process holds a
lock on. The basetemp of this run (under which shoal puts each worker's
popen-gwN) must stay held until the run ends.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

OTHER_RUNS = """
import sys
import pytest

for _ in range(3):
    pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", sys.argv[1], sys.argv[1]])
"""


def test_tmp_path_after_other_runs(request):
    other = Path(tempfile.mkdtemp())
    try:
        (other / "test_other.py").write_text("def test_other(tmp_path):\n    pass\n")
        subprocess.run([sys.executable, "-c", OTHER_RUNS, str(other)], check=True, stdout=subprocess.DEVNULL)
    finally:
        shutil.rmtree(other)
    tmp_path = request.getfixturevalue("tmp_path")
    assert tmp_path.is_dir()
