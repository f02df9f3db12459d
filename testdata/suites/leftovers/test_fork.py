from leftover import fork_child


def test_fork_child():
    fork_child()


def test_other():
    pass
