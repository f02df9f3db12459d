from leftover import fork_daemon


def test_daemon():
    fork_daemon()


def test_after_daemon():
    pass
