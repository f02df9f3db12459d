"""Mode ``inline`` (``shoal run -n 0``): the suite runs in this one pytest
process, in the foreground, as plain pytest runs it, so that --pdb,
breakpoint(), -s and --trace work at the terminal.

shoal takes no part in running the tests; this mode only gives them what they
would have under shoal: the markers registered (--strict-markers accepts
them), the fixtures (worker_id says "master", as under ``pytest -n 0``), and
pytest-xdist's ``-n`` from addopts switched off.
"""

import pytest

from shoal_plugin import configure, fixtures, logs, marks, timeout


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    configure.adopt_command_line(config)


def pytest_configure(config):
    fixtures.register(config)
    marks.register(config)
    timeout.register_marker(config)
    logs.install()
