raise RuntimeError("the second collection error: this module raises at import")


def test_never_collected():
    pass
