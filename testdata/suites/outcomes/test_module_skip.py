import pytest

pytest.skip("the whole module is skipped", allow_module_level=True)


def test_never_collected():
    raise AssertionError("never runs")
