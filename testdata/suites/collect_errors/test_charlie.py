def test_charlie_pass():
    pass


def test_charlie_fail():
    assert 1 + 1 == 3
