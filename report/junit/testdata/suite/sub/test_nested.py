import pytest

pytestmark = pytest.mark.skip(reason="module mark")


class TestOuter:
    class TestInner:
        def test_deep(self):
            pass


def test_plain():
    pass
