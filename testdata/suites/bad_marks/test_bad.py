import pytest


def test_fine():
    pass


@pytest.mark.heavy(slots="two")
def test_bad_slots():
    pass
