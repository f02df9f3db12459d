import gc

import conftest


def test_gc_sees_conftest_objects():
    assert any(o is conftest.MARKER for o in gc.get_objects())
    assert gc.get_referrers(conftest.MARKER)
