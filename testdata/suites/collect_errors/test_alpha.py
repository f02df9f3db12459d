def test_alpha_one():
    pass


def test_alpha_two():
    pass
