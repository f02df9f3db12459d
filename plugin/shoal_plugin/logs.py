"""Worker identity in Python's logging: every log record gets a ``worker``
attribute (gw0, gw1, … in a worker; ``master`` in the session process and
under ``shoal run -n 0``, as pytest-xdist names the process that is no
worker), so that a format such as pytest's

    log_format = %(worker)s %(levelname)s %(name)s: %(message)s

says which worker logged each line.

It is a log record factory rather than a filter on the root logger: a
logger's filters see only what is logged on it, never the records that
propagate to it from other loggers. The worker is read when the record is
made, so a worker forked from the session names itself.
"""

import logging
import os

_installed = []


def install():
    """Add the attribute to every record made from now on; once per process."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def make(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.worker = os.environ.get("PYTEST_XDIST_WORKER") or "master"
        return record

    logging.setLogRecordFactory(make)
    _installed.append(make)
