"""A test module without tests: the suite collects nothing (exit code 5)."""


def helper():
    return 42


class Helper:
    pass
