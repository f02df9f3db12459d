import time

from pkg import words


def test_shout():
    time.sleep(0.1)
    assert words.shout("hi") == "HI!"


def test_whisper():
    time.sleep(0.1)
    assert words.whisper("HI") == "hi..."
