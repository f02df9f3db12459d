import shoal_no_such_module  # noqa: F401  (the collection error this suite is about)


def test_never_collected():
    pass
