import pytest


def test_control_chars():
    print("bell\a esc\x1b del\x7f nel\x85 emoji\U0001F600 ok")
    assert False, "bad <&> \"quoted\" \a\x1b"


@pytest.mark.parametrize("s", ["x\ty", "<&>"])
def test_names(s):
    pytest.skip("skip: <&> \"q\" \x0c")
