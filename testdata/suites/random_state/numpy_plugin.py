"""A plugin that imports numpy, loaded with ``-p numpy_plugin``: pytest
imports plugins first, so numpy's global random state is made in shoal's
fork server, before any fork. Each forked process must still draw its own
numbers, as separate processes do."""

import numpy.random  # noqa: F401
