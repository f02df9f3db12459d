"""The plugin's own tests, run by Debian's pytest from scripts/test.sh:

    python3 -m pytest -q -p no:cacheprovider plugin/tests

They import shoal_plugin from this checkout, not an unpacked copy.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
