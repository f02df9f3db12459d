import os


def started(name):
    """Note in started.log, next to the suite, that test name started."""
    with open(os.path.join(os.path.dirname(__file__), "started.log"), "a") as f:
        f.write(name + "\n")
