import time

# Slow to import, so that under shoal a worker collecting a later file reports
# its error first: the ERRORS section must still follow collection order.
time.sleep(0.3)

import shoal_no_such_module  # noqa: E402,F401  (the first collection error)


def test_never_collected():
    pass
