"""A plugin that starts threads as it is imported, loaded with
``-p thread_plugin``: pytest imports plugins before anything else, so these
threads run in shoal's fork server. SHOAL_IT_THREAD says which:

- ``plugin``: a sleeping Python thread: shoal cannot fork, it spawns;
- ``openblas``: numpy, whose OpenBLAS pool (OPENBLAS_NUM_THREADS > 1) has
  native threads that stop before a fork and start again after it: shoal
  still forks;
- ``openmp``: an OpenMP loop of scikit-learn, after which GNU OpenMP's
  threads wait for work; a forked child that runs OpenMP code would hang, so
  shoal spawns.
"""

import os
import threading
import time

WHAT = os.environ.get("SHOAL_IT_THREAD")

if WHAT == "plugin":
    threading.Thread(target=time.sleep, args=(3600,), daemon=True, name="plugin-sleeper").start()
elif WHAT == "openblas":
    import numpy

    numpy.ones((300, 300)) @ numpy.ones((300, 300))
elif WHAT == "openmp":
    import numpy
    from sklearn.cluster import KMeans

    KMeans(n_clusters=2, n_init=1).fit(numpy.random.rand(2000, 3))
