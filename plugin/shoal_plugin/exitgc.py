"""A process's last garbage collections, skipped once its session is over.

Python's exit clears every module and runs the cyclic garbage collector over
every object still alive. In a worker forked from the fork server most of
those objects are the server's, shared until written, and the collector
writes to each one's header: every page is copied then. On a 2-core host a
worker of a suite of 10,000 tests took 0.7 s from the end of its session to
its exit, and the controller 0.5 s more, while the run waited for both.

So at the last of the session's cleanups the process freezes what it holds
(gc.freeze): the collector no longer looks at those objects. The rest of
Python's exit is as it was: threads that are no daemons are waited for,
atexit functions run, modules are cleared and what they held is released,
open files flushed and closed. Only the final collections of garbage in
reference cycles go, whose __del__ methods Python never promised to run at
exit.
"""

import gc


def skip_final_collections(config):
    """Freeze every object at the last of config's cleanups: before any
    other, it runs last."""
    config.add_cleanup(gc.freeze)
