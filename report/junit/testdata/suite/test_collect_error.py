import does_not_exist_anywhere  # noqa: F401


def test_never():
    pass
