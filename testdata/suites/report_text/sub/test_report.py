"""Failures, warnings and pytest-subtests' subtests, for the report's text
(integration/report_text_test.go): shoal must print what pytest prints."""

import warnings
import pytest

def helper():
    assert 1 == 2, "deep"

def test_fail():
    helper()

def test_warn():
    warnings.warn("careful", UserWarning)

def test_warn2():
    warnings.warn("careful", UserWarning)

def test_ok():
    pass

def test_sub(subtests):
    for i in range(2):
        with subtests.test(i=i):
            assert i == 0
