"""Two tests in one file: with two workers one of them takes both (shoal hands
out at least two tests at a time from one file), so -x stops after the first
one on shoal exactly as it does on pytest."""


def test_fails_first():
    assert 1 == 0


def test_not_reached_with_x():
    assert True
